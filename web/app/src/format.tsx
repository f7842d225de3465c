/**
 * Numbers as a person reads them: amounts in ETH or the token's units with the raw integer on
 * hover, hashes shortened with the whole value on hover and a copy of it in the title.
 */
import type { ComponentChildren } from "preact";
import { ETH_TOKEN, tokenAmount, type TokenInfo } from "../../../sequencer/wallet-core.js";
import { href } from "./router.js";

export type { TokenInfo };

/** What the app knows of tokens: ETH, and what it read from L1 (see l1.ts). */
const known = new Map<bigint, TokenInfo>([[0n, ETH_TOKEN]]);

export function setTokens(list: TokenInfo[]): void {
  for (const t of list) known.set(t.id, t);
}

export function tokenOf(id: bigint | number | string | undefined | null): TokenInfo {
  const k = BigInt(id ?? 0);
  return known.get(k) ?? { id: k, address: "", symbol: `token ${k}`, decimals: 0 };
}

/** `1.5 ETH`: the amount in the token's units, as the CLI wallet writes it. */
export function amountText(value: bigint, token: TokenInfo = ETH_TOKEN): string {
  return tokenAmount(value, token, { units: false });
}

/** An amount with its raw integer (wei, or the token's smallest unit) on hover. */
export function Amount(p: { value: bigint | string; token?: bigint | number | string | null }) {
  const v = BigInt(p.value);
  const t = tokenOf(p.token ?? 0);
  return <span class="amount" title={`${v} ${t.unit ?? "units"}`} data-raw={v.toString()}>{amountText(v, t)}</span>;
}

/** A hash shortened to `0x1234…abcd`, whole on hover. */
export function Hash(p: { value: string | null | undefined; to?: string }) {
  if (!p.value) return <span class="muted">—</span>;
  const short = p.value.length > 14 ? `${p.value.slice(0, 8)}…${p.value.slice(-6)}` : p.value;
  return p.to ? <a class="hash" href={p.to} title={p.value}>{short}</a> : <span class="hash" title={p.value}>{short}</span>;
}

export const AccountLink = (p: { index: bigint | number | string | null | undefined }) =>
  p.index === null || p.index === undefined ? <span class="muted">—</span> : <a href={href("account", p.index.toString())}>#{p.index.toString()}</a>;

export const BatchLink = (p: { n: number | string | null | undefined }) =>
  p.n === null || p.n === undefined ? <span class="muted">—</span> : <a href={href("batch", p.n)}>batch {p.n}</a>;

/** `3 s ago`, `2 min ago`: how long since `iso` (or ms). */
export function ago(t: string | number | null | undefined, now = Date.now()): string {
  if (t === null || t === undefined) return "—";
  const ms = now - (typeof t === "number" ? t : Date.parse(t));
  if (ms < 1000) return "just now";
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min ago`;
  return `${Math.round(m / 60)} h ago`;
}

export function duration(ms: number | bigint | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const n = Number(ms);
  return n < 1000 ? `${n} ms` : n < 120_000 ? `${(n / 1000).toFixed(1)} s` : `${(n / 60_000).toFixed(1)} min`;
}

/** A status as a coloured badge. */
export function Badge(p: { status: string; children?: ComponentChildren }) {
  return <span class={`badge badge-${p.status.replace(/_/g, "-")}`}>{p.children ?? p.status.replace(/_/g, " ")}</span>;
}

export function Field(p: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{p.label}</dt>
      <dd>{p.children}</dd>
    </>
  );
}
