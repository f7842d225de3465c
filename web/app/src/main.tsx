/**
 * The zkr web app, served by the running rollup at /app/: an explorer (batches, transactions,
 * accounts, search), a wallet (keys kept in this browser, L1 deposits from the devnet's accounts
 * or an injected provider, L2 transfers and withdrawals, claims, forced exits) and the operator's
 * dashboard. Every number comes from the sequencer's API or from L1; every signature is made by
 * the same code the CLI wallet runs (sequencer/wallet-core.ts, bundled).
 */
import { render } from "preact";
import { useState } from "preact/hooks";
import { AccountPage, AddressPage, BatchPage, BatchesPage, TxPage, searchTarget } from "./pages/explorer.js";
import { WalletPage } from "./pages/wallet.js";
import { OperatorPage } from "./pages/operator.js";
import { go, useRoute, type Route } from "./router.js";
import { l1 } from "./l1.js";
import "./style.css";

function Search() {
  const [q, setQ] = useState("");
  const [bad, setBad] = useState<string | null>(null);
  return (
    <form
      class="search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const to = searchTarget(q);
        setBad(to ? null : "a transaction hash (0x and 64 hex digits), an account index or an L1 address (0x and 40 hex digits) expected");
        if (to) go(to);
      }}
    >
      <label for="search" class="sr-only">Search by transaction hash, account index or L1 address</label>
      <input id="search" name="q" type="search" placeholder="tx hash, account #, L1 address" value={q} onInput={(e) => setQ(e.currentTarget.value)} aria-invalid={bad ? "true" : undefined} aria-describedby={bad ? "search-error" : undefined} />
      <button type="submit">Search</button>
      {bad && <p id="search-error" class="error small" role="alert">{bad}</p>}
    </form>
  );
}

function Page({ route }: { route: Route }) {
  const [head, arg] = route.parts;
  switch (head) {
    case undefined:
    case "batches":
      return <BatchesPage />;
    case "batch":
      return <BatchPage key={arg} n={arg ?? ""} />;
    case "tx":
      return <TxPage key={arg} hash={arg ?? ""} />;
    case "account":
      return <AccountPage key={arg} index={arg ?? ""} />;
    case "address":
      return <AddressPage key={arg} address={arg ?? ""} />;
    case "wallet":
      return <WalletPage />;
    case "operator":
      return <OperatorPage token={route.query.get("token")} />;
    default:
      return <p class="error" role="alert">No page {route.path}. <a href="#/">The latest batches</a></p>;
  }
}

function App() {
  const route = useRoute();
  const section = route.parts[0] === "wallet" ? "wallet" : route.parts[0] === "operator" ? "operator" : "explorer";
  const link = (to: string, name: string, label: string) => <a href={to} aria-current={section === name ? "page" : undefined}>{label}</a>;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      <header>
        <a class="brand" href="#/">zkr</a>
        <nav aria-label="sections">
          {link("#/", "explorer", "Explorer")}
          {link("#/wallet", "wallet", "Wallet")}
          {link("#/operator", "operator", "Operator")}
        </nav>
        <Search />
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

// The rollup's tokens (symbols, decimals) are read from L1 before the first render, so amounts are
// in their units on every page; at most 3 s, then the pages render and name unknown tokens by number.
void Promise.race([l1().catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]).then(() => render(<App />, document.getElementById("app")!));
