/**
 * The web app (web/app) as a person uses it, in Debian's chromium against a real `zkr up` on free
 * ports: a key made in the page, deposit → transfer → withdraw → claim done entirely through the
 * pages, each stage seen in the explorer, the dashboard showing the proof jobs, and a proof job
 * that failed for good (a prover with the wrong witness generator) retried from the dashboard.
 * Refusals: a wrong passphrase, an amount above the balance, an unknown account, a wrong operator
 * token; each with a clear message and nothing sent. Then the basics of access: keyboard, labels,
 * contrast, phone width.
 *
 * ZKR_SCREENSHOTS=<dir> saves a screenshot of each page there (docs/app holds the README's).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { Wallet, parseEther } from "ethers";
import { tmpDir } from "./helpers/sequencer.js";
import { until } from "./helpers/wait.js";
import { launchChromium, pageLog } from "./helpers/browser.js";
import { devnetProvider } from "../contracts/provider.js";
import { devnetAccountKey } from "../sequencer/wallet.js";
import { SequencerClient } from "../sequencer/client.js";
import { ROOT } from "../core/paths.js";
import { TestToken__factory } from "../contracts/types/index.js";

const SHOTS = process.env.ZKR_SCREENSHOTS;
const PASSPHRASE = "correct horse battery";

let dir: string;
let up: ChildProcess;
let upOut = "";
const provers: ChildProcess[] = [];
let apiUrl: string;
let rpcUrl: string;
let token: string;
let dbPath: string;
let browser: Browser;
let page: Page;
let log: string[];

/** Starts `zkr prover` on the rollup's database; `extra`: its options. */
function startProver(extra: string[]): ChildProcess {
  const p = spawn(process.execPath, ["bin/zkr.js", "prover", "--db", dbPath, "--threads", "1", ...extra], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  p.stdout!.resume();
  p.stderr!.resume();
  provers.push(p);
  return p;
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
  clearTimeout(timer);
  if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
}

async function shot(name: string, p: Page): Promise<void> {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  dir = tmpDir("zkr-app-");
  // No prover of zkr up's own: the test brings a failing one, then a good one.
  up = spawn(process.execPath, ["bin/zkr.js", "up", "--port", "0", "--api-port", "0", "--out", dir, "--provers", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  up.stdout!.on("data", (c: Buffer) => (upOut += c.toString()));
  up.stderr!.on("data", (c: Buffer) => (upOut += c.toString()));
  const [b] = await Promise.all([
    launchChromium({ webgpu: false }),
    until("zkr up to be running", () => upOut.includes("zkr is running") || up.exitCode !== null, 600_000, () => upOut),
  ]);
  browser = b;
  expect(upOut).toContain("zkr is running");
  const seq = JSON.parse(fs.readFileSync(path.join(dir, "sequencer.json"), "utf8")) as { apiUrl: string; dbPath: string; operatorToken: string };
  rpcUrl = (JSON.parse(fs.readFileSync(path.join(dir, "deployment.json"), "utf8")) as { rpcUrl: string }).rpcUrl;
  ({ apiUrl, dbPath, operatorToken: token } = seq);
  // The banner says where the app and the dashboard are.
  expect(upOut).toContain(`app:          ${apiUrl}/app/`);
  expect(upOut).toContain(`dashboard:    ${apiUrl}/app/#/operator?token=${token}`);
  page = await browser.newPage();
  log = pageLog(page);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  for (const p of provers) await stop(p);
  if (up) await stop(up);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** Fills a wallet action's form and asks for its review; returns the review's text (or throws the form's error). */
async function review(form: string, fields: Record<string, string>): Promise<string> {
  const f = page.locator(`form#${form}`);
  for (const [name, value] of Object.entries(fields)) {
    const el = f.locator(`[name=${name}]`);
    if ((await el.evaluate((e) => e.tagName)) === "SELECT") await el.selectOption(value);
    else await el.fill(value);
  }
  await f.locator("button[type=submit]").click();
  await until(`${form}: a review or an error`, async () => (await f.locator(".review, .error").count()) > 0, 60_000);
  if ((await f.locator(".error").count()) > 0) throw new Error(await f.locator(".error").innerText());
  return f.locator(".review").innerText();
}

/** Confirms the reviewed action of `form`. */
async function confirm(form: string): Promise<void> {
  const f = page.locator(`form#${form}`);
  await f.locator(".review button.primary").click();
  await until(`${form}: sent`, async () => (await f.locator(".review").count()) === 0, 120_000);
  const err = f.locator(".error");
  if ((await err.count()) > 0) throw new Error(await err.innerText());
}

/** The stage badge of the newest wallet activity that mentions `text`. */
async function activityStage(text: string): Promise<string> {
  const item = page.locator("ul.activity li", { hasText: text }).first();
  return (await item.locator(".badge").count()) ? item.locator(".badge").innerText() : "";
}

async function waitActivity(text: string, stage: string, timeoutMs = 300_000): Promise<void> {
  await until(`activity "${text}" to be ${stage}`, async () => (await activityStage(text)) === stage, timeoutMs, () => `${upOut.slice(-2000)}\n${log.join("\n")}`);
}

test("deposit → transfer → withdraw → claim through the pages; each stage in the explorer; a failed proof retried from the dashboard", async () => {
  const client = new SequencerClient(apiUrl);
  const provider = devnetProvider(rpcUrl);
  try {
    // A prover deployed with a corrupt witness generator: every job it takes fails.
    const keys = path.join(ROOT, "build", "keys", "dev", "rollup_4x8");
    // The witness generator's JavaScript beside a corrupt wasm, as a bad deploy would leave it.
    const corrupt = path.join(dir, "corrupt.wasm");
    fs.writeFileSync(corrupt, Buffer.from("0061736d01000000ffffffff", "hex"));
    fs.copyFileSync(path.join(ROOT, "build", "circuits", "rollup_4x8", "rollup_js", "witness_calculator.cjs"), path.join(dir, "witness_calculator.cjs"));
    const bad = startProver(["--circuit", "4x8", "--zkey", path.join(keys, "rollup_4x8.zkey"), "--vkey", path.join(keys, "rollup_4x8.vkey.json"), "--wasm", corrupt, "--worker-id", "bad-prover"]);

    // A key made in the page, encrypted with a passphrase.
    await page.goto(`${apiUrl}/app/#/wallet`);
    await page.getByLabel("Passphrase (at least 8 characters)").fill(PASSPHRASE);
    await page.getByLabel("Passphrase again").fill(PASSPHRASE);
    await page.getByRole("button", { name: "Create key" }).click();
    await page.waitForSelector("form#deposit");

    // Deposit 1 ETH from anvil's account 1: stated before it is sent.
    await page.selectOption("select[name=l1account]", "1");
    const dep = await review("deposit", { token: "0", amount: "1" });
    expect(dep).toMatch(/Deposit 1\.0 ETH into a new L2 account of your key, from 0x70997970C51812dc3A010C7d01b50e0d17dc79C8/);
    expect(dep).toMatch(/account creation fee/);
    await confirm("deposit");
    await until("the deposit in the activity", async () => (await page.locator("ul.activity li", { hasText: "Deposit of 1.0 ETH" }).count()) === 1);

    // The dashboard shows the failed job with its error; a wrong token is refused; the right one retries.
    const dash = await browser.newPage();
    const dashLog = pageLog(dash);
    await dash.goto(`${apiUrl}/app/#/operator`);
    await until("a failed proof job on the dashboard", async () => (await dash.locator("tr[data-job] .badge", { hasText: "failed" }).count()) > 0, 300_000, () => dashLog.join("\n"));
    const failedRow = dash.locator("tr[data-job]", { has: dash.locator(".badge", { hasText: "failed" }) }).first();
    expect(await failedRow.innerText()).toMatch(/bad-prover/);
    expect(await failedRow.locator("td.error").innerText()).not.toBe("");
    expect(await dash.locator("[role=alert]").first().innerText()).toMatch(/failed for good/);
    await stop(bad);
    // Without a token the button is disabled; a wrong one is refused with a message.
    expect(await failedRow.getByRole("button", { name: "Retry" }).isDisabled()).toBe(true);
    await dash.getByLabel(/Operator token/).fill("00".repeat(32));
    await dash.getByRole("button", { name: "Use token" }).click();
    await failedRow.getByRole("button", { name: "Retry" }).click();
    await until("the wrong token refused", async () => /token was refused/.test(await failedRow.innerText()));
    expect(await failedRow.locator(".badge").innerText()).toBe("failed");
    // A refused token is forgotten: the field to type another is back.
    await dash.getByLabel(/Operator token/).waitFor();
    // The link zkr up printed carries the token; the page takes it out of the address bar.
    await dash.goto(`${apiUrl}/app/#/operator?token=${token}`);
    await until("the token taken from the link", async () => !dash.url().includes("token="));
    startProver(["--worker-id", "good-prover"]);
    for (;;) {
      const retry = dash.locator("tr[data-job] button", { hasText: "Retry" });
      if ((await retry.count()) === 0) break;
      await retry.first().click();
      await dash.waitForTimeout(300);
    }
    await until("no failed job left", async () => (await dash.locator("tr[data-job] .badge", { hasText: "failed" }).count()) === 0, 60_000);
    await until("a job proved by the good prover", async () => /good-prover/.test(await dash.locator("table").first().innerText()), 300_000);

    await waitActivity("Deposit of 1.0 ETH", "verified");
    expect((await client.account(1n)).balance).toBe(parseEther("1"));

    // A second account of the same key, from anvil's account 2: the transfer's recipient.
    await page.selectOption("select[name=l1account]", "2");
    await review("deposit", { token: "0", amount: "0.5" });
    await confirm("deposit");
    await waitActivity("Deposit of 0.5 ETH", "verified");

    // Refused before signing: an amount above the balance, an unknown account. Nothing is sent.
    await expect(review("transfer", { from: "1", to: "2", amount: "100" })).rejects.toThrow(/insufficient balance: account 1 can spend 1\.0 ETH \(1000000000000000000 wei\); this transfer needs 100\.0001 ETH/);
    await expect(review("transfer", { from: "1", to: "999", amount: "0.1" })).rejects.toThrow(/to: account 999 does not exist/);
    expect((await client.account(1n)).pendingTxs).toBe(0);
    expect((await client.account(1n)).nonce).toBe(0n);

    // A review holds what it shows: an edit after it discards it, so nothing else can be signed.
    await review("transfer", { from: "1", to: "2", amount: "0.25" });
    await page.locator("form#transfer [name=amount]").fill("0.3");
    expect(await page.locator("form#transfer .review").count()).toBe(0);

    // Transfer 0.25 ETH: the fee stated before signing, the stages followed in the explorer.
    const tr = await review("transfer", { from: "1", to: "2", amount: "0.25" });
    expect(tr).toMatch(/Transfer 0\.25 ETH from account #1 to account #2\./);
    expect(tr).toMatch(/fee 0\.0001 ETH \(100000000000000 wei\) to account 0, the sequencer's minimum\./);
    await confirm("transfer");
    const link = page.locator("ul.activity li", { hasText: "Transfer of 0.25 ETH" }).locator("a");
    const txHref = await link.getAttribute("href");
    const txPage = await browser.newPage();
    await txPage.goto(`${apiUrl}/app/${txHref}`);
    const seen = new Set<string>();
    await until("the transfer verified in the explorer", async () => {
      const s = await txPage.locator("h1 .badge").innerText().catch(() => "");
      if (s) seen.add(s);
      return s === "verified";
    }, 300_000);
    expect(seen.size).toBeGreaterThan(1); // it was seen before it was verified, and it changed live
    expect(await txPage.locator("ol.steps li.done").count()).toBe(6);
    expect(await txPage.getByText(/in block \d+/).count()).toBeGreaterThan(0);
    await shot("transaction", txPage);

    // The batch of the transfer, its slot decoded, from the transaction's page.
    await txPage.locator("a", { hasText: /^batch \d+$/ }).first().click();
    await txPage.waitForSelector("tr.slot-transfer");
    expect(await txPage.locator("tr.slot-transfer").first().innerText()).toMatch(/#1\s+#2\s+0\.25 ETH\s+0\.0001 ETH/);
    await shot("batch", txPage);
    // The account page: balance and history.
    await txPage.goto(`${apiUrl}/app/#/account/1`);
    await txPage.waitForSelector("table");
    expect(await txPage.locator("dl.fields").innerText()).toMatch(/0\.7499 ETH/);
    expect(await txPage.locator("table").innerText()).toMatch(/transfer to #2/);
    await shot("account", txPage);
    // The explorer's list shows the batches verified, with their L1 transaction and gas.
    await txPage.goto(`${apiUrl}/app/#/`);
    await txPage.waitForSelector("table.batches tbody tr");
    expect(await txPage.locator("table.batches tbody tr .badge", { hasText: "verified" }).count()).toBeGreaterThan(1);
    expect(await txPage.locator("table.batches").innerText()).toMatch(/\d[\d,]* gas/);
    await shot("explorer", txPage);
    // Search: a transaction hash, an account index, an L1 address; anything else is refused.
    const search = async (q: string) => {
      await txPage.getByLabel(/Search by transaction hash/).fill(q);
      await txPage.getByRole("button", { name: "Search" }).click();
    };
    await search(txHref!.split("/").pop()!);
    await txPage.waitForSelector("main h1:has-text('Transfer')");
    await search("2");
    await txPage.waitForSelector("main h1:has-text('Account #2')");
    await search(new Wallet(devnetAccountKey(1)).address);
    await until("the L1 address's accounts", async () => /#1: 0\.7499 ETH/.test(await txPage.locator("main").innerText()));
    await search("not a thing");
    expect(await txPage.locator("#search-error").innerText()).toMatch(/a transaction hash \(0x and 64 hex digits\), an account index or an L1 address/);
    await txPage.close();

    // Withdraw 0.1 ETH from account 1 (anvil account 1's), then claim it on L1.
    await review("withdraw", { from: "1", amount: "0.1" });
    await confirm("withdraw");
    await waitActivity("Withdrawal of 0.1 ETH", "verified");
    await page.selectOption("select[name=l1account]", "1");
    const l1Before = await provider.getBalance(new Wallet(devnetAccountKey(1)).address);
    const cl = await review("claim", { token: "0" });
    expect(cl).toMatch(/Claim 0\.1 ETH credited to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8/);
    await confirm("claim");
    await until("the claim in the activity", async () => (await page.locator("ul.activity li", { hasText: "Claim of 0.1 ETH" }).count()) === 1);
    const gained = (await provider.getBalance(new Wallet(devnetAccountKey(1)).address)) - l1Before;
    expect(gained > parseEther("0.099") && gained < parseEther("0.1")).toBe(true); // 0.1 less gas

    // The devnet's ERC-20: 12.5 zUSD into a new account (its creation fee in ETH, an exact
    // approval), then a forced exit of it on L1, followed until verified, and the claim.
    const deployed = JSON.parse(fs.readFileSync(path.join(dir, "deployment.json"), "utf8")) as { tokens: Array<{ id: number; address: string; symbol: string }> };
    const zusd = TestToken__factory.connect(deployed.tokens[0].address, provider);
    const holder = new Wallet(devnetAccountKey(1)).address;
    const zBefore = await zusd.balanceOf(holder);
    const zd = await review("deposit", { token: "1", amount: "12.5" });
    expect(zd).toMatch(/Deposit 12\.5 zUSD into a new L2 account of your key/);
    expect(zd).toMatch(/an approval of 12\.5 zUSD for the rollup/);
    await confirm("deposit");
    await waitActivity("Deposit of 12.5 zUSD", "verified");
    const a1 = await client.account(1n); // the page's key owns every account it made
    const z = (await client.accountsOf([a1.ax, a1.ay])).find((a) => a.tokenId === 1n)!;
    expect(z.balance).toBe(12_500_000n);
    expect(await zusd.balanceOf(holder)).toBe(zBefore - 12_500_000n);
    const fe = await review("exit", { from: String(z.index) });
    expect(fe).toMatch(new RegExp(`Ask L1 to pay out account #${z.index}'s whole balance \\(12\\.5 zUSD\\) to ${holder}`, "i"));
    await confirm("exit");
    await waitActivity(`Forced exit of account #${z.index}`, "verified");
    const zc = await review("claim", { token: "1" });
    expect(zc).toMatch(/Claim 12\.5 zUSD credited to/);
    await confirm("claim");
    await until("the zUSD claim in the activity", async () => (await page.locator("ul.activity li", { hasText: "Claim of 12.5 zUSD" }).count()) === 1);
    expect(await zusd.balanceOf(holder)).toBe(zBefore);
    await shot("wallet", page);
    // The dashboard at the end: every job proven, the charts drawn.
    await until("the dashboard's charts", async () => (await dash.locator("svg.chart rect.bar").count()) > 3, 60_000);
    await shot("operator", dash);
    await dash.close();
  } finally {
    provider.destroy();
  }
}, 1_200_000);

test("a wrong passphrase is refused and the key stays locked", async () => {
  await page.goto(`${apiUrl}/app/#/wallet`);
  await page.reload();
  await page.getByLabel("Passphrase", { exact: true }).fill("not the passphrase");
  await page.getByRole("button", { name: "Unlock" }).click();
  await until("the refusal", async () => (await page.locator("[role=alert]").count()) > 0);
  expect(await page.locator("[role=alert]").innerText()).toBe("wrong passphrase: the key stays locked");
  expect(await page.locator("form#transfer").count()).toBe(0);
  await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.waitForSelector("form#transfer");
}, 120_000);

/** WCAG's contrast ratio of two CSS colours `rgb(r, g, b)`. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test("access: a skip link first in the tab order, every field labelled, readable contrast in light and dark, no sideways scrolling at phone width", async () => {
  const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
  try {
    for (const route of ["#/", "#/account/1", "#/batch/1", "#/wallet", "#/operator"]) {
      await p.goto(`${apiUrl}/app/${route}`);
      await p.waitForSelector("main h1");
      await p.waitForTimeout(300);
      // Phone width: the page fits; wide tables scroll inside their own box.
      expect({ route, width: await p.evaluate(() => document.documentElement.scrollWidth) }).toEqual({ route, width: 390 });
      // Every field has a label or an accessible name.
      const unlabelled = await p.$$eval("input, select, textarea", (els) => els.filter((e) => (e as HTMLInputElement).labels?.length === 0 && !e.getAttribute("aria-label")).map((e) => e.outerHTML));
      expect({ route, unlabelled }).toEqual({ route, unlabelled: [] });
      for (const scheme of ["light", "dark"] as const) {
        await p.emulateMedia({ colorScheme: scheme });
        // Text colour against the first opaque background behind it, for every visible text element.
        const pairs = await p.$$eval("main *, header *", (els) => els.filter((e) => e.childNodes.length > 0 && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim() !== "") && (e as HTMLElement).offsetParent !== null).map((e) => {
          let bg = "rgba(0, 0, 0, 0)";
          for (let n: Element | null = e; n; n = n.parentElement) {
            const c = getComputedStyle(n).backgroundColor;
            if (!/rgba\(.*, 0\)$/.test(c) && c !== "transparent") { bg = c; break; }
          }
          return { text: e.textContent!.trim().slice(0, 30), fg: getComputedStyle(e).color, bg: bg === "rgba(0, 0, 0, 0)" ? getComputedStyle(document.body).backgroundColor : bg, disabled: (e as HTMLButtonElement).disabled === true };
        }));
        const poor = pairs.filter((q) => !q.disabled && contrast(q.fg, q.bg) < 4.5).map((q) => `${q.text}: ${q.fg} on ${q.bg} (${contrast(q.fg, q.bg).toFixed(2)})`);
        expect({ route, scheme, poor }).toEqual({ route, scheme, poor: [] });
      }
      await p.emulateMedia({ colorScheme: "light" });
    }
    // The keyboard: the first Tab reaches the skip link, which moves focus to the page's content.
    await p.goto(`${apiUrl}/app/#/`);
    await p.waitForSelector("table.batches a"); // the links Tab goes to next, once loaded
    await p.keyboard.press("Tab");
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await p.keyboard.press("Enter");
    expect(await p.evaluate(() => document.activeElement?.id)).toBe("main");
    // Then the batches' links, in order, by Tab alone.
    await p.keyboard.press("Tab");
    expect(await p.evaluate(() => document.activeElement?.closest("main") !== null && document.activeElement?.tagName)).toBe("A");
    await p.keyboard.press("Enter");
    await p.waitForSelector("main h1:has-text('Batch')");
  } finally {
    await p.close();
  }
}, 300_000);
