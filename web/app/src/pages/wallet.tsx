/**
 * The wallet: an L2 key kept in this browser (encrypted with a passphrase), an L1 account to pay
 * from (one of the devnet's anvil accounts, or the browser's injected provider), and the actions of
 * the CLI wallet: deposit (ETH or a registered ERC-20), transfer, withdraw, claim, forced exit.
 * Every action is reviewed before anything is signed: the amount as a slot carries it (rounded
 * down, said when it is), the fee and who gets it, the same rules and sentences as `zkr wallet`.
 * What is refused here (a wrong passphrase, an amount above the balance, an unknown account) is
 * refused before signing, so nothing is sent.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { Wallet as EthWallet, hexlify } from "ethers";
import { ApiError, type AccountView } from "../../../../sequencer/client.js";
import { ZkrWallet, devnetAccountKey, type L1Signer, feeLine, inToken, parseTokenAmount, quoteFee, roundAmount, tokenAmount, type FeeQuote } from "../../../../sequencer/wallet-core.js";
import type { PrivateKey, PublicKey } from "../../../../sequencer/model/keys.js";
import { api, errorText, getJson, usePoll } from "../api.js";
import { Amount, amountText, tokenOf, type TokenInfo } from "../format.js";
import { KeystoreError, forgetKey, parsePrivateKey, saveKey, storedKey, unlockKey, type StoredKey } from "../keystore.js";
import { l1, type L1 } from "../l1.js";
import { href } from "../router.js";
import { StageBadge } from "../stages.js";
import { Loading, POLL_MS } from "./explorer.js";
import type { AccountHistoryJson } from "../../../../sequencer/api/types.js";

/** The devnet's anvil accounts the page offers (0 is the operator's). */
const DEVNET_ACCOUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 9];

interface Unlocked { sk: PrivateKey; pk: PublicKey }

/** Something the wallet did, followed until it is final. */
interface Activity {
  id: number;
  what: string;
  /** An L2 transaction: followed through GET /txs/:hash. */
  hash?: string;
  /** An L1 request (deposit, forced exit): followed through the account's history. */
  l1Tx?: string;
  account?: bigint;
  /** An L1 call with nothing to follow (a claim). */
  done?: string;
}

let nextActivity = 1;

/** What an action form calls with the activity it started. */
type Done = (a: Omit<Activity, "id">) => void;

export function WalletPage() {
  const [stored, setStored] = useState<StoredKey | null>(() => storedKey());
  const [key, setKey] = useState<Unlocked | null>(null);
  // Another tab that makes or forgets the key: this one follows.
  useEffect(() => {
    const on = () => setStored(storedKey());
    addEventListener("storage", on);
    return () => removeEventListener("storage", on);
  }, []);
  if (!stored) return <CreateKey onDone={(s, k) => { setStored(s); setKey(k); }} />;
  if (!key) return <Unlock stored={stored} onUnlock={setKey} onForget={() => { forgetKey(); setStored(null); }} />;
  return <Unlocked k={key} onLock={() => setKey(null)} />;
}

function CreateKey({ onDone }: { onDone: (s: StoredKey, k: Unlocked) => void }) {
  const [mode, setMode] = useState<"new" | "import">("new");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section>
      <h1>Wallet</h1>
      <p>Your L2 key signs transfers and withdrawals. It is kept in this browser only, encrypted with a passphrase you choose; nobody can recover it for you.</p>
      <fieldset class="choice">
        <legend>Key</legend>
        <label><input type="radio" name="mode" checked={mode === "new"} onChange={() => setMode("new")} /> <span>Create a new key</span></label>
        <label><input type="radio" name="mode" checked={mode === "import"} onChange={() => setMode("import")} /> <span>Import a key (e.g. a <code>zkr wallet</code> file's <code>l2Key</code>)</span></label>
      </fieldset>
      <form
        class="card"
        onSubmit={async (e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          setError(null);
          setBusy(true);
          try {
            const sk = mode === "import" ? parsePrivateKey(String(f.get("l2key") ?? "")) : undefined;
            const r = await saveKey(String(f.get("passphrase") ?? ""), String(f.get("confirm") ?? ""), sk);
            onDone(r.stored, r);
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        {mode === "import" && (
          <label>Private key (64 hex digits)
            <input name="l2key" type="password" autoComplete="off" required spellcheck={false} />
          </label>
        )}
        <label>Passphrase (at least 8 characters)
          <input name="passphrase" type="password" autoComplete="new-password" required />
        </label>
        <label>Passphrase again
          <input name="confirm" type="password" autoComplete="new-password" required />
        </label>
        <button type="submit" disabled={busy}>{busy ? "Encrypting…" : mode === "new" ? "Create key" : "Import key"}</button>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
    </section>
  );
}

function Unlock({ stored, onUnlock, onForget }: { stored: StoredKey; onUnlock: (k: Unlocked) => void; onForget: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section>
      <h1>Wallet</h1>
      <p>This browser holds an encrypted L2 key (public key <span class="mono">{short(stored.ax)}, {short(stored.ay)}</span>, made {new Date(stored.createdAt).toLocaleString()}).</p>
      <form
        class="card"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setBusy(true);
          try {
            onUnlock(await unlockKey(stored, String(new FormData(e.currentTarget).get("passphrase") ?? "")));
          } catch (err) {
            setError(err instanceof KeystoreError ? err.message : errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>Passphrase
          <input name="passphrase" type="password" autoComplete="current-password" required autoFocus />
        </label>
        <button type="submit" disabled={busy}>{busy ? "Unlocking…" : "Unlock"}</button>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
      <details>
        <summary>Forget this key</summary>
        <p>Removes the encrypted key from this browser. Accounts it owns can no longer be spent from here unless you import the key again.</p>
        <button type="button" class="danger" onClick={() => { if (confirm("Forget the key stored in this browser?")) onForget(); }}>Forget key</button>
      </details>
    </section>
  );
}

/** The key in the clear, on request: the one way to keep it beyond this browser (`zkr wallet` files take it as `l2Key`). */
function Backup({ k }: { k: Unlocked }) {
  const [shown, setShown] = useState(false);
  return (
    <details class="small">
      <summary>Back up your key</summary>
      <p>Anyone who sees it can spend your accounts. Write it down somewhere safe; import it here or in a <code>zkr wallet</code> file to recover them.</p>
      {shown ? <p class="mono break" data-testid="private-key">{hexlify(k.sk).slice(2)}</p> : <button type="button" class="small" onClick={() => setShown(true)}>Show private key</button>}
    </details>
  );
}

const short = (s: string) => (s.length > 12 ? `${s.slice(0, 6)}…${s.slice(-4)}` : s);

function Unlocked({ k, onLock }: { k: Unlocked; onLock: () => void }) {
  const [chain, setChain] = useState<L1 | null>(null);
  const [chainError, setChainError] = useState<unknown>(null);
  const [l1Index, setL1Index] = useState(1);
  const [signer, setSigner] = useState<L1Signer | null>(null);
  const [activities, setActivities] = useState<Activity[]>([]);
  useEffect(() => { l1().then(setChain, setChainError); }, []);
  useEffect(() => {
    if (!chain) return;
    if (chain.kind === "devnet") setSigner(new EthWallet(devnetAccountKey(l1Index), chain.provider));
    else chain.injectedSigner!().then(setSigner, setChainError);
  }, [chain, l1Index]);
  const accounts = usePoll(() => api.accountsOf(k.pk), 2 * POLL_MS, [k.pk[0]]);
  const wallet = useMemo(() => (signer ? new ZkrWallet({ l2Key: hexlify(k.sk).slice(2), l1: signer }) : null), [k, signer]);
  if (chainError) return <Loading error={chainError} what="L1" />;
  if (!chain || !signer || !wallet) return <Loading what="L1" />;
  const rollup = chain.info.rollup;
  const add = (a: Omit<Activity, "id">) => setActivities((l) => [{ ...a, id: nextActivity++ }, ...l]);
  const mine = accounts.data ?? [];
  return (
    <section>
      <h1>Wallet <button type="button" class="small" onClick={onLock}>Lock</button></h1>
      <Backup k={k} />
      <div class="grid">
        <div class="card">
          <h2>L2 key</h2>
          <p class="mono break small">({k.pk[0].toString()}, {k.pk[1].toString()})</p>
          <h2>Accounts</h2>
          {!accounts.data ? <Loading error={accounts.error} what="accounts" /> : mine.length === 0 ? <p class="muted">None yet: deposit to make one.</p> : (
            <ul class="accounts">
              {mine.map((a) => <li key={String(a.index)}><a href={href("account", a.index)}>#{String(a.index)}</a>: <Amount value={a.balance} token={a.tokenId} />{a.spendable !== a.balance && <span class="muted"> (spendable <Amount value={a.spendable} token={a.tokenId} />)</span>}</li>)}
            </ul>
          )}
        </div>
        <L1Card chain={chain} wallet={wallet} signer={signer} l1Index={l1Index} setL1Index={setL1Index} rollup={rollup} />
      </div>
      <div class="grid">
        <DepositForm key={signer.address} wallet={wallet} chain={chain} signer={signer} onDone={add} />
        <TransferForm key={signer.address} wallet={wallet} accounts={mine} onDone={add} />
        <WithdrawForm key={signer.address} wallet={wallet} accounts={mine} onDone={add} />
        <ClaimForm key={signer.address} wallet={wallet} chain={chain} signer={signer} onDone={add} />
        <ExitForm key={signer.address} wallet={wallet} chain={chain} accounts={mine} onDone={add} />
      </div>
      <h2>Activity</h2>
      {activities.length === 0 ? <p class="muted">Nothing sent from this page yet.</p> : <ul class="activity" aria-live="polite">{activities.map((a) => <ActivityItem key={a.id} a={a} />)}</ul>}
    </section>
  );
}

function L1Card({ chain, wallet, signer, l1Index, setL1Index, rollup }: { chain: L1; wallet: ZkrWallet; signer: L1Signer; l1Index: number; setL1Index: (i: number) => void; rollup: string }) {
  const balances = usePoll(async () => {
    const address = await signer.getAddress();
    return { address, rows: await Promise.all(chain.tokens.map(async (t) => ({ t, held: await wallet.l1Balance(t), claimable: await wallet.claimable(rollup, t.id) }))) };
  }, 3 * POLL_MS, [signer]);
  return (
    <div class="card">
      <h2>L1 account</h2>
      {chain.kind === "devnet" ? (
        <label>Pay from (devnet)
          <select name="l1account" value={l1Index} onChange={(e) => setL1Index(Number(e.currentTarget.value))}>
            {DEVNET_ACCOUNTS.map((i) => <option key={i} value={i}>anvil account {i}</option>)}
          </select>
        </label>
      ) : <p>Your browser's wallet signs L1 transactions.</p>}
      {!balances.data ? <Loading error={balances.error} what="L1 balances" /> : (
        <>
          <p class="mono break small" data-testid="l1-address">{balances.data.address}</p>
          <ul>{balances.data.rows.map(({ t, held, claimable }) => <li key={String(t.id)}><Amount value={held} token={t.id} />{claimable > 0n && <strong> · claimable <Amount value={claimable} token={t.id} /></strong>}</li>)}</ul>
        </>
      )}
    </div>
  );
}

/** A planned action, stated in full before anything is signed. */
interface Plan { lines: string[]; run: () => Promise<Omit<Activity, "id">> }

/**
 * A form whose submit makes a {@link Plan} (checks and the fee; refusals shown, nothing signed),
 * then a confirmation that runs it.
 */
function ActionForm(p: { title: string; id: string; children: preact.ComponentChildren; plan: (f: FormData) => Promise<Plan>; onDone: Done; submit: string }) {
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fail = (e: unknown) => setError(errorText(e));
  return (
    <form
      class="card action"
      id={p.id}
      aria-labelledby={`${p.id}-title`}
      // A review holds the values it was made from: any edit discards it, so what is signed is what was shown.
      onInput={() => setPlan(null)}
      onChange={() => setPlan(null)}
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setPlan(null);
        setBusy(true);
        try {
          setPlan(await p.plan(new FormData(e.currentTarget)));
        } catch (err) {
          fail(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id={`${p.id}-title`}>{p.title}</h2>
      {p.children}
      <button type="submit" disabled={busy}>{busy && !plan ? "Checking…" : `Review ${p.title.toLowerCase()}`}</button>
      {error && <p class="error" role="alert">{error}</p>}
      {plan && (
        <div class="review" role="region" aria-label={`${p.title}: review`}>
          <ul>{plan.lines.map((l, i) => <li key={i}>{l}</li>)}</ul>
          <button
            type="button"
            class="primary"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              try {
                p.onDone(await plan.run());
                setPlan(null);
              } catch (err) {
                fail(err);
                setPlan(null);
              } finally {
                setBusy(false);
              }
            }}
          >
            {busy ? "Sending…" : p.submit}
          </button>
          <button type="button" onClick={() => setPlan(null)}>Cancel</button>
        </div>
      )}
    </form>
  );
}

function TokenSelect({ tokens, name = "token" }: { tokens: TokenInfo[]; name?: string }) {
  return (
    <label>Token
      <select name={name}>{tokens.map((t) => <option key={String(t.id)} value={String(t.id)}>{t.symbol}</option>)}</select>
    </label>
  );
}

function AccountSelect({ accounts, name = "from", label = "From account" }: { accounts: AccountView[]; name?: string; label?: string }) {
  return (
    <label>{label}
      <select name={name} required>
        {accounts.length === 0 && <option value="">no account yet</option>}
        {accounts.map((a) => <option key={String(a.index)} value={String(a.index)}>#{String(a.index)} · {amountText(a.spendable, tokenOf(a.tokenId))}</option>)}
      </select>
    </label>
  );
}

function DepositForm({ wallet, chain, signer, onDone }: { wallet: ZkrWallet; chain: L1; signer: L1Signer; onDone: Done }) {
  return (
    <ActionForm
      title="Deposit"
      id="deposit"
      submit="Deposit"
      onDone={onDone}
      plan={async (f) => {
        const token = tokenOf(String(f.get("token")));
        const amount = parseTokenAmount(String(f.get("amount") ?? ""), token, "amount");
        if (amount === 0n) throw new Error("amount: more than 0 expected");
        const createFee = await wallet.rollup(chain.info.rollup).createFee();
        const from = await signer.getAddress();
        return {
          lines: [
            `Deposit ${amountText(amount, token)} into a new L2 account of your key, from ${from}.`,
            `Plus the ${amountText(createFee)} account creation fee${token.id === 0n ? "" : ` (in ETH), and an approval of ${amountText(amount, token)} for the rollup`}, and L1 gas.`,
          ],
          run: async () => {
            const r = token.id === 0n ? await wallet.deposit(chain.info.rollup, amount) : await wallet.depositToken(chain.info.rollup, token.id, amount);
            return { what: `Deposit of ${amountText(amount, token)} → account #${r.index}`, l1Tx: r.txHash, account: r.index };
          },
        };
      }}
    >
      <TokenSelect tokens={chain.tokens} />
      <label>Amount
        <input name="amount" inputMode="decimal" autoComplete="off" required placeholder="1.5" />
      </label>
    </ActionForm>
  );
}

/** The sender's account, fresh from the sequencer (its spendable balance and next nonce). */
async function sender(f: FormData): Promise<AccountView> {
  const v = String(f.get("from") ?? "");
  if (!/^(0|[1-9][0-9]*)$/.test(v)) throw new Error("from: one of your accounts expected (deposit first)");
  return api.account(BigInt(v));
}

/** Amount rounded to what the slot carries, the fee quoted, both checked against what the account can spend. */
async function amountAndFee(kind: "transfer" | "withdraw", f: FormData, from: AccountView): Promise<{ amount: bigint; q: FeeQuote; lines: string[] }> {
  const token = tokenOf(from.tokenId);
  const typed = parseTokenAmount(String(f.get("amount") ?? ""), token, "amount");
  if (typed === 0n) throw new Error("amount: more than 0 expected");
  const amount = roundAmount(kind, typed);
  const q = await quoteFee(api, from.index, undefined, token);
  const lines: string[] = [];
  if (amount !== typed) lines.push(`${amountText(typed, token)} is not representable in a ${kind} slot; sending ${amountText(amount, token)} (${amount} units).`);
  if (amount + q.fee > from.spendable) {
    // The sentence the sequencer's refusal gets (inToken), said before anything is signed.
    throw new Error(`insufficient balance: account ${from.index} can spend ${tokenAmount(from.spendable, token)}; this ${kind} needs ${tokenAmount(amount + q.fee, token)} (amount and fee)`);
  }
  lines.push(feeLine(q, token) + ".");
  return { amount, q, lines };
}

function TransferForm({ wallet, accounts, onDone }: { wallet: ZkrWallet; accounts: AccountView[]; onDone: Done }) {
  return (
    <ActionForm
      title="Transfer"
      id="transfer"
      submit="Sign and send"
      onDone={onDone}
      plan={async (f) => {
        const from = await sender(f);
        const toText = String(f.get("to") ?? "").trim().replace(/^#/, "");
        if (!/^(0|[1-9][0-9]{0,9})$/.test(toText)) throw new Error(`to: an account index expected, got ${JSON.stringify(toText)}`);
        const to = await api.account(BigInt(toText)).catch((e: unknown) => {
          throw e instanceof ApiError && e.status === 404 ? new Error(`to: account ${toText} does not exist`) : e;
        });
        if (to.tokenId !== from.tokenId) throw new Error(`to: account ${toText} holds ${tokenOf(to.tokenId).symbol}, account ${from.index} holds ${tokenOf(from.tokenId).symbol}; a transfer stays in one token`);
        if (to.index === from.index) throw new Error("to: another account than the sender expected");
        const { amount, q, lines } = await amountAndFee("transfer", f, from);
        return {
          lines: [`Transfer ${amountText(amount, tokenOf(from.tokenId))} from account #${from.index} to account #${to.index}.`, ...lines],
          run: async () => {
            const tx = await wallet.signTransfer(api, from.index, to.index, amount, q.fee);
            return { what: `Transfer of ${amountText(amount, tokenOf(from.tokenId))} #${from.index} → #${to.index}`, hash: await api.submit(tx).catch((e: unknown) => { throw inToken(e, tokenOf(from.tokenId)); }) };
          },
        };
      }}
    >
      <AccountSelect accounts={accounts} />
      <label>To account
        <input name="to" inputMode="numeric" autoComplete="off" required placeholder="3" />
      </label>
      <label>Amount
        <input name="amount" inputMode="decimal" autoComplete="off" required placeholder="0.25" />
      </label>
    </ActionForm>
  );
}

function WithdrawForm({ wallet, accounts, onDone }: { wallet: ZkrWallet; accounts: AccountView[]; onDone: Done }) {
  return (
    <ActionForm
      title="Withdraw"
      id="withdraw"
      submit="Sign and send"
      onDone={onDone}
      plan={async (f) => {
        const from = await sender(f);
        const { amount, q, lines } = await amountAndFee("withdraw", f, from);
        return {
          lines: [`Withdraw ${amountText(amount, tokenOf(from.tokenId))} from account #${from.index} to its L1 address ${from.ethAddr}, claimable once its batch is verified.`, ...lines],
          run: async () => {
            const tx = await wallet.signWithdraw(api, from.index, amount, q.fee);
            return { what: `Withdrawal of ${amountText(amount, tokenOf(from.tokenId))} from #${from.index}`, hash: await api.submit(tx).catch((e: unknown) => { throw inToken(e, tokenOf(from.tokenId)); }) };
          },
        };
      }}
    >
      <AccountSelect accounts={accounts} />
      <label>Amount
        <input name="amount" inputMode="decimal" autoComplete="off" required placeholder="0.1" />
      </label>
    </ActionForm>
  );
}

function ClaimForm({ wallet, chain, signer, onDone }: { wallet: ZkrWallet; chain: L1; signer: L1Signer; onDone: Done }) {
  return (
    <ActionForm
      title="Claim"
      id="claim"
      submit="Claim"
      onDone={onDone}
      plan={async (f) => {
        const token = tokenOf(String(f.get("token")));
        const address = await signer.getAddress();
        const amount = await wallet.claimable(chain.info.rollup, token.id);
        if (amount === 0n) throw new Error(`claim: nothing credited to ${address} in ${token.symbol} (a withdrawal is credited once its batch is verified)`);
        return {
          lines: [`Claim ${amountText(amount, token)} credited to ${address} by verified withdrawals, paying L1 gas.`],
          run: async () => {
            const r = await wallet.claim(chain.info.rollup, token.id);
            return { what: `Claim of ${amountText(r.amount, token)} to ${address}`, done: r.txHash };
          },
        };
      }}
    >
      <TokenSelect tokens={chain.tokens} />
    </ActionForm>
  );
}

function ExitForm({ wallet, chain, accounts, onDone }: { wallet: ZkrWallet; chain: L1; accounts: AccountView[]; onDone: Done }) {
  return (
    <ActionForm
      title="Forced exit"
      id="exit"
      submit="Queue forced exit"
      onDone={onDone}
      plan={async (f) => {
        const from = await sender(f);
        const address = wallet.l1.address;
        if (from.ethAddr.toLowerCase() !== address.toLowerCase()) throw new Error(`forced exit: only account #${from.index}'s L1 address ${from.ethAddr} may ask; this page pays from ${address}`);
        return {
          lines: [
            `Ask L1 to pay out account #${from.index}'s whole balance (${amountText(from.balance, tokenOf(from.tokenId))}) to ${from.ethAddr}.`,
            "The sequencer must include it within the exodus window; claim it once its batch is verified. Use it when the sequencer ignores your transactions.",
          ],
          run: async () => ({ what: `Forced exit of account #${from.index}`, l1Tx: await wallet.forcedExit(chain.info.rollup, from.index), account: from.index }),
        };
      }}
    >
      <AccountSelect accounts={accounts} label="Account" />
    </ActionForm>
  );
}

function ActivityItem({ a }: { a: Activity }) {
  if (a.hash) return <L2Activity a={a} />;
  if (a.l1Tx && a.account !== undefined) return <L1Activity a={a} />;
  return <li><span>{a.what}</span> <StageBadge stage="done" /> <span class="mono small">{a.done}</span></li>;
}

function L2Activity({ a }: { a: Activity }) {
  const t = usePoll(() => api.tx(a.hash!), POLL_MS, [a.hash], (d) => d.stage === "verified" || d.stage === "dropped");
  return (
    <li data-hash={a.hash}>
      <a href={href("tx", a.hash!)}>{a.what}</a> {t.data ? <StageBadge stage={t.data.stage} /> : <span class="muted">…</span>}
      {t.data?.reason && <span class="error"> {t.data.reason}</span>}
    </li>
  );
}

function L1Activity({ a }: { a: Activity }) {
  const h = usePoll(async () => {
    try {
      const hist = await getJson<AccountHistoryJson>(`/accounts/${a.account}/txs?limit=50`);
      const r = hist.items.find((i) => i.kind === "l1" && i.l1Tx.toLowerCase() === a.l1Tx!.toLowerCase());
      return r?.kind === "l1" ? (r.outcome === "rejected" ? "rejected" : r.stage) : "queued";
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return "queued"; // the account is made by the batch
      throw e;
    }
  }, POLL_MS, [a.l1Tx], (s) => s === "verified" || s === "rejected");
  return (
    <li data-l1tx={a.l1Tx}>
      <a href={href("account", String(a.account))}>{a.what}</a> {h.data ? <StageBadge stage={h.data} /> : <span class="muted">…</span>} <span class="mono small" title={a.l1Tx}>L1 {a.l1Tx!.slice(0, 10)}…</span>
    </li>
  );
}
