/**
 * The operator's dashboard: proof jobs (a failed one retried from here, as `zkr proofs retry`
 * does), the provers seen, the mempool's depth and intake, L1 sync and the exodus risk (the oldest
 * queued request's age against the contract's exodus window), and charts of proof time per batch
 * and verified transactions per minute. Reading is public; a retry needs the operator's token,
 * which `zkr up` prints in the dashboard's link and this page keeps for the tab's session only.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../../../sequencer/client.js";
import { api, errorText, getJson, usePoll } from "../api.js";
import { BarChart } from "../chart.js";
import { BatchLink, duration } from "../format.js";
import { StageBadge } from "../stages.js";
import { Loading, POLL_MS, Stale } from "./explorer.js";
import type { OperatorJson, OperatorProofJobJson } from "../../../../sequencer/api/types.js";

const TOKEN_KEY = "zkr.operatorToken";

/** The token from the link (then taken out of the address bar and history), or the one kept for this tab. */
function useOperatorToken(fromUrl: string | null): [string | null, (t: string | null) => void] {
  const [token, setToken] = useState<string | null>(() => fromUrl ?? sessionStorage.getItem(TOKEN_KEY));
  useEffect(() => {
    if (!fromUrl) return;
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    setToken(fromUrl);
    history.replaceState(null, "", `${location.pathname}${location.search}#/operator`);
  }, [fromUrl]);
  return [token, (t) => {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
    setToken(t);
  }];
}

function Stat(p: { label: string; value: string; note?: string; risk?: boolean; id: string }) {
  return (
    <div class={`stat${p.risk ? " risk" : ""}`} data-stat={p.id}>
      <div class="value">{p.value}</div>
      <div class="label">{p.label}</div>
      {p.note && <div class={p.risk ? "error small" : "muted small"}>{p.note}</div>}
    </div>
  );
}

export function OperatorPage({ token: fromUrl }: { token: string | null }) {
  const [token, setToken] = useOperatorToken(fromUrl);
  const op = usePoll(() => getJson<OperatorJson>("/operator"), 2 * POLL_MS, []);
  if (!op.data) return <Loading error={op.error} what="the dashboard" />;
  const d = op.data;
  const ageBlocks = d.l1.oldestPending?.ageBlocks;
  const age = ageBlocks === undefined || ageBlocks === null ? null : Number(ageBlocks);
  const window = d.l1.exodusBlocks === null ? null : Number(d.l1.exodusBlocks);
  const risk = age !== null && window !== null && window > 0 ? age / window : null;
  const failed = d.proofJobs.filter((j) => j.status === "failed");
  return (
    <section>
      <h1>Operator</h1>
      <Stale error={op.error} />
      {failed.length > 0 && <p class="error" role="alert">{failed.length === 1 ? `The proof of batch ${failed[0].batch} failed for good` : `${failed.length} proofs failed for good`}: later batches wait behind it. Fix the cause, then retry below.</p>}
      <div class="stats">
        <Stat id="mempool" label="mempool (pending transactions)" value={d.mempool.pending} note={`${d.mempool.acceptedLastMinute} accepted in the last minute (${d.mempool.intakePerSecond}/s)`} />
        <Stat id="provers" label="provers seen" value={String(d.provers.length)} note={d.provers.map((p) => `${p.worker} (${p.backend ?? "?"})`).join(", ") || "none yet"} />
        <Stat id="l1" label="L1 head · confirmed block read" value={`${d.l1.headBlock ?? "—"} · ${d.l1.confirmedBlock ?? "—"}`} note={d.l1.confirmations === null ? undefined : `${d.l1.confirmations} confirmations`} />
        <Stat id="requests" label="L1 requests waiting" value={d.l1.pendingRequests} note={d.l1.oldestPending ? `oldest: position ${d.l1.oldestPending.position}, block ${d.l1.oldestPending.block}` : undefined} />
        <Stat id="exodus" label="exodus risk" value={risk === null ? "none" : `${(risk * 100).toFixed(1)}%`} note={risk === null ? "no request waiting" : `oldest request ${age} of ${window} blocks old${d.l1.exodusBlocksLeft !== null ? `, ${d.l1.exodusBlocksLeft} blocks left` : ""}: at 100% anyone may freeze the rollup`} risk={risk !== null && risk > 0.5} />
        <Stat id="verified" label="since the last verified batch" value={d.lastVerified?.msSince ? duration(Number(d.lastVerified.msSince)) : "—"} note={d.lastVerified ? `batch ${d.lastVerified.batch}` : "none verified yet"} />
      </div>
      <div class="grid">
        <div class="card"><BarChart title="Proof time per batch" xLabel="batch" unit={(y) => duration(y)} points={d.series.provingMs.map((p) => ({ x: p.batch, y: Number(p.provingMs) }))} /></div>
        <div class="card"><BarChart title="Transactions verified per minute" xLabel="minute" unit={(y) => `${y} tx`} points={d.series.verifiedPerMinute.map((p) => ({ x: p.minute.slice(11, 16), y: Number(p.txs) }))} /></div>
      </div>
      <h2>Proof jobs</h2>
      <TokenBox token={token} setToken={setToken} />
      <div class="table-wrap">
        <table>
          <thead><tr><th scope="col">Batch</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Prover</th><th scope="col">Backend</th><th scope="col">Time</th><th scope="col">Last error</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
          <tbody>{d.proofJobs.map((j) => <JobRow key={j.batch} j={j} token={token} onRetried={op.refresh} onRefused={() => setToken(null)} />)}</tbody>
        </table>
      </div>
      <h2>Provers</h2>
      {d.provers.length === 0 ? <p class="muted">No prover has taken a job yet.</p> : (
        <ul>{d.provers.map((p) => <li key={p.worker}>{p.worker}: {p.backend ?? "backend unknown"}, {p.proven} proven, {p.proving} proving, {p.failed} failed{p.lastSeen && <span class="muted"> · last seen {new Date(p.lastSeen).toLocaleTimeString()}</span>}</li>)}</ul>
      )}
    </section>
  );
}

function TokenBox({ token, setToken }: { token: string | null; setToken: (t: string | null) => void }) {
  if (token) return <p class="muted small">Operator actions enabled for this tab. <button type="button" class="small" onClick={() => setToken(null)}>Forget token</button></p>;
  return (
    <form class="small" onSubmit={(e) => { e.preventDefault(); setToken(String(new FormData(e.currentTarget).get("token") ?? "").trim() || null); }}>
      <label><span>Operator token (printed by <code>zkr up</code> in the dashboard link; needed to retry)</span>
        <input name="token" type="password" autoComplete="off" />
      </label>
      <button type="submit">Use token</button>
    </form>
  );
}

function JobRow({ j, token, onRetried, onRefused }: { j: OperatorProofJobJson; token: string | null; onRetried: () => void; onRefused: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <tr data-job={j.batch}>
      <td><BatchLink n={j.batch} /></td>
      <td><StageBadge stage={j.status} /></td>
      <td>{j.attempts} of {j.maxAttempts}</td>
      <td>{j.worker ?? "—"}</td>
      <td>{j.backend ?? "—"}</td>
      <td>{j.provingMs ? duration(Number(j.provingMs)) : "—"}</td>
      <td class="error small">{j.lastError ?? ""}{error && <span role="alert"> {error}</span>}</td>
      <td>
        {j.status === "failed" && (
          <button
            type="button"
            class="small"
            disabled={busy || !token}
            title={token ? `give batch ${j.batch}'s proof fresh attempts` : "needs the operator token"}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await api.retryProof(Number(j.batch), token!);
                onRetried();
              } catch (e) {
                if (e instanceof ApiError && e.status === 401) {
                  setError("the operator token was refused (each zkr up makes a new one)");
                  onRefused(); // forgotten, so the field to type another one is back
                } else setError(errorText(e));
              } finally {
                setBusy(false);
              }
            }}
          >
            Retry
          </button>
        )}
      </td>
    </tr>
  );
}
