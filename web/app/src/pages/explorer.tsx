/**
 * The explorer: latest batches with their stage, a batch's decoded slots, a transaction whose
 * stage updates live, an account with its history, the accounts of an L1 address.
 */
import { useState } from "preact/hooks";
import type { AccountHistoryJson, AccountJson, BatchJson, BatchPageJson, BatchSummaryJson, SlotJson, TxStatusJson } from "../../../../sequencer/api/types.js";
import { errorText, getJson, usePoll } from "../api.js";
import { Amount, AccountLink, BatchLink, Field, Hash, ago, duration } from "../format.js";
import { href } from "../router.js";
import { BATCH_STAGES, Steps, StageBadge, TX_STAGES, batchStage } from "../stages.js";

/** How often live pages ask again. */
export const POLL_MS = 1000;

export function Loading(p: { error?: unknown; what: string }) {
  return p.error ? <p class="error" role="alert">{p.what}: {errorText(p.error)}</p> : <p class="muted" aria-busy="true">Loading {p.what}…</p>;
}

/** Said while a page shows data its last refresh could not renew (the sequencer or L1 unreachable). */
export function Stale(p: { error?: unknown }) {
  return p.error ? <p class="stale error small" role="status">Not updated: {errorText(p.error)}. What follows may be out of date.</p> : null;
}

function gasText(g: string | null | undefined): string {
  return g ? `${Number(g).toLocaleString("en")} gas` : "—";
}

export function BatchesPage() {
  const [before, setBefore] = useState<string | null>(null);
  const list = usePoll(() => getJson<BatchPageJson>(`/batches?limit=20${before ? `&before=${before}` : ""}`), before ? 0 : 2 * POLL_MS, [before]);
  return (
    <section>
      <h1>Batches</h1>
      {list.data && <Stale error={list.error} />}
      {!list.data ? <Loading error={list.error} what="batches" /> : list.data.batches.length === 0 ? <p class="muted">No batch yet: the first is made once a deposit or a transaction arrives.</p> : (
        <div class="table-wrap">
          <table class="batches">
            <thead>
              <tr><th scope="col">Batch</th><th scope="col">Stage</th><th scope="col">Transactions</th><th scope="col">Proof</th><th scope="col">L1 transaction</th><th scope="col">Gas</th><th scope="col">Made</th></tr>
            </thead>
            <tbody>
              {list.data.batches.map((b) => <BatchRow key={b.number} b={b} />)}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="pages of batches">
        {before && <button type="button" onClick={() => setBefore(null)}>Latest</button>}
        {list.data?.next && <button type="button" onClick={() => setBefore(list.data!.next)}>Older</button>}
      </nav>
    </section>
  );
}

function BatchRow({ b }: { b: BatchSummaryJson }) {
  const job = b.proofJob;
  return (
    <tr data-batch={b.number}>
      <td><BatchLink n={b.number} /></td>
      <td><StageBadge stage={batchStage(b.status, job)} /></td>
      <td>{b.txs} <span class="muted">({b.l2Txs} L2, {b.deposits} L1)</span></td>
      <td>{job ? <>{job.backend ?? job.status} {job.provingMs && <span class="muted">{duration(Number(job.provingMs))}</span>}{Number(job.attempts) > 1 && <span class="muted"> · {job.attempts} attempts</span>}</> : "—"}</td>
      <td><Hash value={b.l1Tx} /></td>
      <td>{gasText(b.gasUsed)}</td>
      <td title={b.createdAt}>{ago(b.createdAt)}</td>
    </tr>
  );
}

/** A used slot; its amount in the account's token (`tokenId`, which the API gives every slot with an account). */
function SlotRow({ s, i }: { s: SlotJson; i: number }) {
  return (
    <tr class={`slot-${s.type}`}>
      <td>{i}</td>
      <td>{s.type.replace(/_/g, " ")}</td>
      <td>{s.from !== undefined ? <AccountLink index={s.from} /> : s.account !== undefined ? <AccountLink index={s.account} /> : s.index !== undefined ? <AccountLink index={s.index} /> : "—"}</td>
      <td>{s.to !== undefined ? <AccountLink index={s.to} /> : "—"}</td>
      <td>{s.amount !== undefined ? <Amount value={s.amount} token={s.tokenId} /> : "—"}</td>
      <td>{s.fee !== undefined ? <Amount value={s.fee} token={s.tokenId} /> : "—"}</td>
      <td>{s.hash ? <Hash value={s.hash} to={href("tx", s.hash)} /> : "—"}</td>
    </tr>
  );
}

export function BatchPage({ n }: { n: string }) {
  const b = usePoll(() => getJson<BatchJson>(`/batches/${encodeURIComponent(n)}`), POLL_MS, [n], (d) => d.status === "verified");
  if (!b.data) return <Loading error={b.error} what={`batch ${n}`} />;
  const d = b.data;
  const stage = batchStage(d.status, d.proofJob);
  const job = d.proofJob;
  const used = d.slots.filter((s) => s.type !== "noop");
  return (
    <section>
      <h1>Batch {d.number} <StageBadge stage={stage} /></h1>
      <Stale error={b.error} />
      <Steps steps={BATCH_STAGES} current={stage === "proof_failed" ? "proving" : stage} failed={stage === "proof_failed" ? `proof failed: ${job?.lastError ?? "no reason recorded"}` : undefined} />
      <dl class="fields">
        <Field label="Old root"><Hash value={d.oldRoot} /></Field>
        <Field label="New root"><Hash value={d.newRoot} /></Field>
        <Field label="L1 requests">{d.queueStart === d.queueEnd ? "none" : `queue positions ${d.queueStart}–${Number(d.queueEnd) - 1}`}</Field>
        <Field label="Fees">{d.feeAccount === null ? "none" : <><Amount value={d.totalFee} token={d.slots.find((x) => x.fee !== undefined && x.fee !== "0")?.tokenId} /> to <AccountLink index={d.feeAccount} /></>}</Field>
        <Field label="Made"><span title={d.createdAt}>{ago(d.createdAt)}</span></Field>
        <Field label="Proof">{job ? <>{job.status}{job.backend && <> on {job.backend}</>}{job.provingMs && <> in {duration(Number(job.provingMs))}</>}, attempt {job.attempts} of {job.maxAttempts}{job.worker && <> by {job.worker}</>}{job.lastError && <span class="error"> — {job.lastError}</span>}</> : "no job"}</Field>
        <Field label="L1 transaction">{d.l1Tx ? <><Hash value={d.l1Tx} />{d.l1Block && <> in block {d.l1Block}</>}</> : "not sent yet"}</Field>
        <Field label="Verified">{d.verifiedBlock ? `in block ${d.verifiedBlock}` : "not yet"}</Field>
        <Field label="Gas">{gasText(d.gasUsed)}</Field>
        {d.error && <Field label="Error"><span class="error">{d.error}</span></Field>}
      </dl>
      <h2>Slots <span class="muted">({used.length} used of {d.slots.length})</span></h2>
      <div class="table-wrap">
        <table>
          <thead><tr><th scope="col">Slot</th><th scope="col">Type</th><th scope="col">Account</th><th scope="col">To</th><th scope="col">Amount</th><th scope="col">Fee</th><th scope="col">Transaction</th></tr></thead>
          <tbody>{d.slots.map((s, i) => (s.type === "noop" ? null : <SlotRow key={i} s={s} i={i} />))}</tbody>
        </table>
      </div>
      {used.length < d.slots.length && <p class="muted">{d.slots.length - used.length} empty slots (no-ops) not shown.</p>}
    </section>
  );
}

/** Stages after which a transaction does not change. */
const FINAL = new Set(["verified", "dropped"]);

export function TxPage({ hash }: { hash: string }) {
  const t = usePoll(() => getJson<TxStatusJson>(`/txs/${encodeURIComponent(hash)}`), POLL_MS, [hash], (d) => FINAL.has(d.stage));
  if (!t.data) return <Loading error={t.error} what={`transaction ${hash}`} />;
  const d = t.data;
  return (
    <section>
      <h1>{d.type === "transfer" ? "Transfer" : "Withdrawal"} <StageBadge stage={d.stage} /></h1>
      <Stale error={t.error} />
      <p class="mono break" title="transaction hash">{d.hash}</p>
      <Steps steps={TX_STAGES} current={d.stage === "dropped" ? "pending" : d.stage} failed={d.stage === "dropped" ? `dropped: ${d.reason ?? "no reason recorded"}` : undefined} />
      {d.stage !== "dropped" && d.reason && <p class="error" role="alert">{d.reason}</p>}
      <dl class="fields">
        <Field label="From"><AccountLink index={d.from} /></Field>
        {d.to !== undefined && <Field label="To"><AccountLink index={d.to} /></Field>}
        <Field label="Amount"><Amount value={d.amount} token={d.tokenId} /></Field>
        <Field label="Fee"><Amount value={d.fee} token={d.tokenId} /></Field>
        <Field label="Nonce">{d.nonce}</Field>
        <Field label="Batch">{d.batch !== undefined ? <><BatchLink n={d.batch} />, slot {d.slot}</> : "not yet"}</Field>
        <Field label="L1 transaction">{d.l1Tx ? <><Hash value={d.l1Tx} /> in block {d.l1Block}</> : "not yet"}</Field>
        <Field label="Verified">{d.verifiedBlock ? `in block ${d.verifiedBlock}` : "not yet"}</Field>
      </dl>
      {!FINAL.has(d.stage) && <p class="muted live" aria-live="polite">Updating every second…</p>}
    </section>
  );
}

export function AccountPage({ index }: { index: string }) {
  const a = usePoll(() => getJson<AccountJson>(`/accounts/${encodeURIComponent(index)}`), 2 * POLL_MS, [index]);
  const [before, setBefore] = useState<string | null>(null);
  const h = usePoll(() => getJson<AccountHistoryJson>(`/accounts/${encodeURIComponent(index)}/txs?limit=50${before ? `&before=${encodeURIComponent(before)}` : ""}`), before ? 0 : 2 * POLL_MS, [index, before]);
  if (!a.data) return <Loading error={a.error} what={`account ${index}`} />;
  const d = a.data;
  return (
    <section>
      <h1>Account #{d.index}</h1>
      <Stale error={a.error} />
      <dl class="fields">
        <Field label="Balance"><Amount value={d.balance} token={d.tokenId} /></Field>
        <Field label="Spendable"><Amount value={d.spendable} token={d.tokenId} /> <span class="muted">({d.pendingTxs} pending)</span></Field>
        <Field label="Nonce">{d.nonce} <span class="muted">(next {d.nextNonce})</span></Field>
        <Field label="L1 address"><a href={href("address", d.ethAddr)} class="mono">{d.ethAddr}</a></Field>
        <Field label="Public key"><span class="mono break">({d.ax}, {d.ay})</span></Field>
      </dl>
      <h2>History</h2>
      {!h.data ? <Loading error={h.error} what="history" /> : <History h={h.data} token={d.tokenId} />}
      <nav class="pager" aria-label="pages of history">
        {before && <button type="button" onClick={() => setBefore(null)}>Latest</button>}
        {h.data?.next && <button type="button" onClick={() => setBefore(h.data!.next)}>Older</button>}
      </nav>
    </section>
  );
}

function History({ h, token }: { h: AccountHistoryJson; token: string }) {
  if (h.items.length === 0) return <p class="muted">Nothing yet.</p>;
  return (
    <div class="table-wrap">
      <table class="history">
        <thead><tr><th scope="col">What</th><th scope="col">Amount</th><th scope="col">Stage</th><th scope="col">Batch</th><th scope="col">Reference</th></tr></thead>
        <tbody>
          {h.items.map((r) => r.kind === "l1" ? (
            <tr key={`r${r.position}`}>
              <td>{r.type.replace(/_/g, " ")} <span class="muted">(L1)</span>{r.outcome === "rejected" && <span class="error"> rejected</span>}</td>
              <td>{r.amount === null ? "whole balance" : <Amount value={r.amount} token={r.tokenId} />}</td>
              <td><StageBadge stage={r.stage} /></td>
              <td><BatchLink n={r.batch} /></td>
              <td><Hash value={r.l1Tx} /></td>
            </tr>
          ) : (
            <tr key={r.hash}>
              <td>{r.type === "withdraw" ? "withdrawal" : r.direction === "out" ? <>transfer to <AccountLink index={r.to} /></> : <>transfer from <AccountLink index={r.from} /></>}</td>
              <td><Amount value={r.amount} token={token} />{r.direction === "out" && r.fee !== "0" && <span class="muted"> + fee <Amount value={r.fee} token={token} /></span>}</td>
              <td><StageBadge stage={r.stage} />{r.reason && <span class="error small"> {r.reason}</span>}</td>
              <td><BatchLink n={r.batch ?? null} /></td>
              <td><Hash value={r.hash} to={href("tx", r.hash)} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AddressPage({ address }: { address: string }) {
  const r = usePoll(() => getJson<{ accounts: AccountJson[] }>(`/accounts?ethAddr=${encodeURIComponent(address)}`), 0, [address]);
  if (!r.data) return <Loading error={r.error} what={`accounts of ${address}`} />;
  return (
    <section>
      <h1>L1 address</h1>
      <p class="mono break">{address}</p>
      {r.data.accounts.length === 0 ? <p>No L2 account of this address.</p> : (
        <ul>
          {r.data.accounts.map((a) => <li key={a.index}><AccountLink index={a.index} />: <Amount value={a.balance} token={a.tokenId} /></li>)}
        </ul>
      )}
    </section>
  );
}

/** Where a search goes: a transaction hash, an account index or an L1 address; null when it is none. */
export function searchTarget(q: string): string | null {
  const t = q.trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(t)) return href("tx", t.toLowerCase());
  if (/^0x[0-9a-fA-F]{40}$/.test(t)) return href("address", t);
  if (/^#?(0|[1-9][0-9]{0,9})$/.test(t)) return href("account", t.replace(/^#/, ""));
  if (/^batch\s*(0|[1-9][0-9]{0,9})$/i.test(t)) return href("batch", t.replace(/\D/g, ""));
  return null;
}
