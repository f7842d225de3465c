// Attacks on the sequencer's HTTP API with hostile requests rather than hostile transactions:
// malformed %-escapes in paths and queries, repeated and unknown query parameters, request targets
// that are no path, absurd lengths, methods nobody serves, bodies cut short or framed wrong. Each
// must be a 4xx `{ error, message }` naming the reason, never a 500; nothing may change in the
// database, the mempool or the root; and nothing may be logged (a stack trace per request lets
// anyone fill the operator's disk and bury real errors). Requests go over raw sockets, because
// fetch would repair or refuse most of them before they left. A property-based run (fast-check,
// fixed seed) then throws a few hundred generated hostile paths and bodies at it.

import net from "node:net";
import path from "node:path";
import type http from "node:http";
import fc from "fast-check";
import { TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { signTx } from "../sequencer/model/tx.js";
import { txToJson } from "../sequencer/codec.js";
import { createBatch } from "../sequencer/batcher.js";
import { Sequencer } from "../sequencer/sequencer.js";
import { sqliteProofQueue } from "../sequencer/proofs.js";
import { TEST_DOMAIN, user } from "../bench/fixtures/scenario.js";
import { databaseFingerprint, feedL1, http as call, tmpDir } from "./helpers/sequencer.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";

const ETH = 10n ** 18n;
const op = user("operator");
const alice = user("alice");
const bob = user("bob");

let seq: Sequencer;
/** Every line the sequencer logged, and everything written to stderr, since the start. */
const logs: string[] = [];
const stderr: string[] = [];
const writeStderr = process.stderr.write;
/** The transfer that waits in the mempool: a copy of it must be refused as a duplicate. */
let pending: ReturnType<typeof txToJson>;
/** Alice's next transfer, signed and never sent: the fuzz sends it only altered. */
let next: ReturnType<typeof txToJson>;

/** A request the server never answers fails its test in a minute, not in jest's ten (no timing is asserted). */
const GUARD_MS = 60_000;

/** A Node stack frame, as `Error.stack` writes it. */
const STACK_FRAME = /^\s*at .+(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m;

const dbFingerprint = () => databaseFingerprint(seq.ctx.db);

/** What /health says about the state and the mempool. */
async function stateView(): Promise<unknown> {
  const h = await call(seq.url + "/health", "GET");
  expect(h.status).toBe(200);
  return { root: h.body.root, mempool: h.body.mempool, nextBatch: h.body.nextBatch, queueConsumed: h.body.queueConsumed };
}

interface Answer { status: number; headers: Record<string, string>; text: string; body: any }

/**
 * Sends raw bytes on a new connection and reads the answer until the server closes it (every
 * request here asks for `connection: close`, and every refusal closes it too).
 */
function raw(bytes: Buffer | string): Promise<Answer> {
  const { port, address } = seq.server.address() as net.AddressInfo;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, address, () => socket.write(bytes));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(chunks).toString("utf8");
      const split = all.indexOf("\r\n\r\n");
      const head = split < 0 ? all : all.slice(0, split);
      const text = split < 0 ? "" : all.slice(split + 4);
      const [statusLine, ...lines] = head.split("\r\n");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "");
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      let body: unknown;
      try { body = JSON.parse(text); } catch { body = undefined; }
      resolve({ status: m ? Number(m[1]) : 0, headers, text, body });
    });
  });
}

/** A request with `connection: close` and, when given, a body with its length. */
function request(method: string, target: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  const b = body === undefined ? undefined : Buffer.from(body);
  const h = { host: "x", connection: "close", ...(b ? { "content-type": "application/json", "content-length": String(b.length) } : {}), ...headers };
  const head = `${method} ${target} HTTP/1.1\r\n` + Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
  return raw(b ? Buffer.concat([Buffer.from(head, "utf8"), b]) : Buffer.from(head, "utf8"));
}

/** The answer is the refusal expected (status, code, reason) and it changed and logged nothing. */
async function refused(send: () => Promise<Answer>, status: number, code: string, reason?: RegExp): Promise<Answer> {
  const before = dbFingerprint();
  const logged = logs.length;
  const a = await send();
  expect({ status: a.status, error: a.body?.error }).toEqual({ status, error: code });
  expect(typeof a.body.message).toBe("string");
  if (reason) expect(a.body.message).toMatch(reason);
  expect(a.headers["content-type"]).toMatch(/^application\/json/);
  expect(dbFingerprint()).toBe(before);
  expect(logs.slice(logged)).toEqual([]);
  return a;
}

beforeAll(async () => {
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stderr.push(chunk.toString());
    return (writeStderr as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  const dir = tmpDir("zkr-attack-api-");
  // As in production: signatures checked on a worker thread; the log is the test's.
  seq = await Sequencer.start(offlineConfig(path.join(dir, "seq.db"), { verifyThreads: 1 }), { proofs: sqliteProofQueue, log: (l) => logs.push(l) });
  feedL1(seq, new L1Queue(), [
    createDeposit(0n, op.pk, op.ethAddr, 0n),
    createDeposit(1n, alice.pk, alice.ethAddr, 2n * ETH),
    createDeposit(2n, bob.pk, bob.ethAddr, ETH),
  ]);
  expect(createBatch(seq.ctx)?.batchNumber).toBe(0n);
  pending = txToJson(signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 10n ** 17n, fee: 0n, nonce: 0n }, alice.sk, TEST_DOMAIN));
  next = txToJson(signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 10n ** 17n, fee: 0n, nonce: 1n }, alice.sk, TEST_DOMAIN));
  const ok = await call(seq.url + "/txs", "POST", JSON.stringify(pending));
  expect(ok.status).toBe(202);
  expect(seq.ctx.mempool.size).toBe(1);
});

afterAll(async () => {
  process.stderr.write = writeStderr;
  await seq?.stop();
});

afterEach(() => {
  // Whatever an attack did, no stack trace reached the log or stderr.
  for (const l of [...logs, ...stderr]) expect(l).not.toMatch(STACK_FRAME);
  expect(logs.filter((l) => l.startsWith("api:"))).toEqual([]);
});

test("a transaction that moves nothing and pays nothing is 422 zero_value: slots and proofs cannot be filled for free", async () => {
  for (const tx of [
    signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 0n, fee: 0n, nonce: 1n }, alice.sk, TEST_DOMAIN),
    signTx({ type: TxType.Withdraw, from: 2n, amount: 0n, fee: 0n, nonce: 0n }, bob.sk, TEST_DOMAIN),
  ]) {
    await refused(() => request("POST", "/txs", JSON.stringify(txToJson(tx)), { "content-type": "application/json" }), 422, "zero_value", /nonzero amount or fee/);
  }
  // Moving something, or paying something, is enough (the fee account here holds ETH).
  const withFeeOnly = signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 0n, fee: 1000n, nonce: 1n }, alice.sk, TEST_DOMAIN);
  expect((await call(seq.url + "/txs", "POST", JSON.stringify(txToJson(withFeeOnly)))).status).toBe(202);
  next = txToJson(signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 10n ** 17n, fee: 0n, nonce: 2n }, alice.sk, TEST_DOMAIN));
});

test("malformed %-escapes in a path are 400 invalid_path, not a 500 with a stack trace in the log", async () => {
  for (const target of ["/txs/%E0%A4%A", "/accounts/%ZZ", "/batches/%", "/accounts/1%2", "/nowhere/%zz"]) {
    await refused(() => request("GET", target), 400, "invalid_path", /'%' and two hex digits expected/);
  }
  // Well-formed escapes of bytes that are no UTF-8: an overlong '/', a lone 0xFF, a UTF-16 surrogate.
  for (const [target, param] of [["/accounts/%C0%AF", "index"], ["/txs/%FF", "hash"], ["/batches/%ED%A0%80", "number"]]) {
    await refused(() => request("GET", target), 400, "invalid_path", new RegExp(`path: ${param}: %-escapes of UTF-8 expected`));
  }
  // A well-formed escape reaches the route, which judges the value.
  await refused(() => request("GET", "/accounts/%31%2F2"), 400, "invalid_field", /index: a decimal integer/);
  expect((await request("GET", "/accounts/%31")).body).toMatchObject({ index: "1", balance: (2n * ETH).toString() });
}, GUARD_MS);

test("request targets that are no path are 400 invalid_path", async () => {
  await refused(() => request("GET", "*"), 400, "invalid_path", /an absolute path/);
  await refused(() => request("OPTIONS", "*"), 400, "invalid_path", /an absolute path/);
  for (const target of ["//[", "/txs/a#b", "/accounts/1]", "/health\\", "/txs/{x}", "/a|b"]) {
    await refused(() => request("GET", target), 400, "invalid_path", /URL characters and %-escapes only/);
  }
  // Empty segments are a path, just not ours; the absolute form names its path after the authority.
  await refused(() => request("GET", "//"), 404, "not_found", /no route "\/\/"/);
  expect((await request("GET", "http://[/health")).status).toBe(200);
}, GUARD_MS);

test("malformed, repeated and unknown query parameters are 400 invalid_query", async () => {
  const [ax, ay] = bob.pk;
  await refused(() => request("GET", "/accounts?ax=%ZZ&ay=1"), 400, "invalid_query", /'%' and two hex digits expected/);
  await refused(() => request("GET", "/health?%ZZ"), 400, "invalid_query", /'%' and two hex digits expected/);
  await refused(() => request("GET", `/accounts?ax=%C0%AF&ay=${ay}`), 400, "invalid_query", /query parameter "ax": %-escapes of UTF-8 expected/);
  await refused(() => request("GET", "/accounts?ax=1&ay=1#frag"), 400, "invalid_query", /URL characters and %-escapes only/);
  // Which of two values would a route read? Neither: the request is ambiguous.
  await refused(() => request("GET", `/accounts?ax=1&ax=${ax}&ay=${ay}`), 400, "invalid_query", /each parameter once expected, got "ax" more than once/);
  await refused(() => request("GET", `/accounts?ax=${ax}&ay=${ay}&a%79=1`), 400, "invalid_query", /"ay" more than once/);
  await refused(() => request("GET", `/accounts?ax=${ax}&ay=${ay}&limit=5`), 400, "invalid_query", /parameters ax, ay, ethAddr expected, got "limit"/);
  await refused(() => request("GET", "/health?debug=1"), 400, "invalid_query", /no parameters expected, got "debug"/);
  await refused(() => request("GET", `/txs/${"0x" + "0".repeat(64)}?x`), 400, "invalid_query", /no parameters expected, got "x"/);
  // The well-formed lookup still works, with its parameters %-encoded or not.
  expect((await request("GET", `/accounts?ax=${ax}&a%79=${ay}`)).body.accounts.map((a: { index: string }) => a.index)).toEqual(["2"]);
}, GUARD_MS);

test("absurdly long targets and headers are 414 and 431 with a JSON reason", async () => {
  await refused(() => request("GET", "/txs/0x" + "0".repeat(5000)), 414, "uri_too_long", /at most 2048 characters expected, got 5007/);
  await refused(() => request("GET", "/accounts?ax=" + "1".repeat(3000) + "&ay=1"), 414, "uri_too_long", /at most 2048 characters/);
  // Past node's header limit the parser refuses it before any route sees it.
  await refused(() => request("GET", "/" + "a".repeat(20_000)), 431, "headers_too_large", /at most \d+ bytes expected/);
  await refused(() => request("GET", "/health", undefined, { "x-pad": "b".repeat(20_000) }), 431, "headers_too_large");
}, GUARD_MS);

test("methods nobody serves are 405 method_not_allowed with Allow, or 400 bad_request when node does not know them", async () => {
  const del = await refused(() => request("DELETE", "/health"), 405, "method_not_allowed", /GET expected on "\/health", got DELETE/);
  expect(del.headers.allow).toBe("GET");
  expect((await refused(() => request("PUT", "/txs"), 405, "method_not_allowed", /POST expected/)).headers.allow).toBe("POST");
  expect((await refused(() => request("PROPFIND", "/accounts/1"), 405, "method_not_allowed")).headers.allow).toBe("GET");
  await refused(() => request("CONNECT", "localhost:22"), 405, "method_not_allowed", /CONNECT is not served/);
  await refused(() => request("FOO", "/health"), 400, "bad_request", /HPE_INVALID_METHOD/);
  await refused(() => request("get", "/health"), 400, "bad_request");
  await refused(() => raw("GARBAGE\r\n\r\n"), 400, "bad_request");
  await refused(() => raw(Buffer.from("GET /txs/\xff HTTP/1.1\r\nhost: x\r\n\r\n", "latin1")), 400, "bad_request");
}, GUARD_MS);

test("bodies framed wrong are 400 bad_request; a client that leaves mid-body gets nothing logged", async () => {
  const json = JSON.stringify(pending);
  await refused(
    () => raw(`POST /txs HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\nzz\r\n${json}\r\n0\r\n\r\n`),
    400, "bad_request", /HPE_INVALID_CHUNK_SIZE/,
  );
  await refused(() => raw(`POST /txs HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n{}`), 400, "bad_request");

  // The client sends half its body, then closes the connection; the server sees its request end.
  const before = dbFingerprint();
  const logged = logs.length;
  const gone = new Promise<void>((resolve) => seq.server.once("request", (req: http.IncomingMessage) => req.once("close", () => resolve())));
  const { port, address } = seq.server.address() as net.AddressInfo;
  const socket = net.connect(port, address, () =>
    socket.write(`POST /txs HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json.slice(0, 40)}`, () => socket.destroy()));
  await gone;
  // One more request: whatever the refusal of the first did, it did before this one is answered.
  await stateView();
  expect(logs.slice(logged)).toEqual([]);
  expect(dbFingerprint()).toBe(before);
}, GUARD_MS);

// ── Property-based: generated hostile requests ──────────────────────────────────────────────

/** Characters of harmless path filler: no '%', so a hostile escape stays hostile whatever surrounds it. */
const filler = fc.string({ unit: fc.constantFrom(..."abcxyz0129.-_~/"), maxLength: 12 });

/** Pieces that make any target hostile wherever they land. */
const poison = fc.constantFrom(
  "%Z", "%G1", "%zz", "%C0%AF", "%FF", "%ED%A0%80", "%E0%A4", "%c3%28",
  "#", "[", "]", "{", "}", "|", "\\", "^", "`", "\"", "<", ">",
  " ", "\t", "\u0000", "\u007f", "é", "\u{1F4A9}",
  "?a=1&a=1", "?ax=1&ax=2&ay=3", "?zz=1", "?%ZZ", "?ax=%C0%AF&ay=1", "?ax=1&ay=2&ay=%FF",
  "x".repeat(3000), "/" + "9".repeat(20_000),
);

const hostilePath = fc
  .record({
    method: fc.constantFrom("GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "get"),
    route: fc.constantFrom("", "/", "/txs", "/txs/", "/txs/0x", "/accounts", "/accounts/", "/accounts/1", "/batches/", "/batches/0", "/health", "/info"),
    before: filler,
    poison,
    after: filler,
  })
  .map(({ method, route, before, poison, after }) => ({ method, target: route + before + poison + after }));

const txKeys = ["type", "from", "to", "amount", "fee", "nonce", "sig", "sig.r8x", "sig.r8y", "sig.s"] as const;

/** A body that can never be admitted: garbage, random JSON, or the pending transfer with one field replaced (which breaks its signature, or leaves a duplicate). */
const hostileBody = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.record({ key: fc.constantFrom(...txKeys), value: fc.jsonValue({ maxDepth: 2 }) }).map(({ key, value }) => {
    const tx: Record<string, unknown> = JSON.parse(JSON.stringify(pending));
    if (key.startsWith("sig.")) (tx.sig as Record<string, unknown>)[key.slice(4)] = value;
    else tx[key] = value;
    return JSON.stringify(tx);
  }),
  // Alice's next transfer, never sent, with one field well-typed but different: its signature no
  // longer verifies (or its amount is no float, or its receiver no account). Never the field's own value.
  fc.record({ key: fc.constantFrom("to", "amount", "sig.r8x", "sig.r8y", "sig.s"), value: fc.bigInt({ min: 0n, max: 1n << 20n }).map(String) })
    .filter(({ key, value }) => (key.startsWith("sig.") ? (next.sig as Record<string, string>)[key.slice(4)] : (next as unknown as Record<string, string>)[key]) !== value)
    .map(({ key, value }) => {
      const tx: Record<string, unknown> = JSON.parse(JSON.stringify(next));
      if (key.startsWith("sig.")) (tx.sig as Record<string, unknown>)[key.slice(4)] = value;
      else tx[key] = value;
      return JSON.stringify(tx);
    }),
  fc.record({ key: fc.string({ maxLength: 10 }), value: fc.jsonValue({ maxDepth: 2 }) }).map(({ key, value }) => JSON.stringify({ ...pending, [key]: value })),
  fc.constant(null).map(() => JSON.stringify(pending)), // read when it runs: `pending` is made in beforeAll
  fc.nat({ max: 20_000 }).map((n) => JSON.stringify({ ...pending, pad: "p".repeat(8192 + n) })),
);

const hostilePost = fc.record({
  body: hostileBody,
  type: fc.constantFrom("application/json", "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", ""),
  target: fc.constantFrom("/txs", "/txs/"),
});

test("fuzz: a few hundred generated hostile paths and bodies are each a 4xx with an error code; nothing changes, nothing is logged", async () => {
  const before = { db: dbFingerprint(), state: await stateView(), logged: logs.length, mempool: seq.ctx.mempool.size };
  const seen = new Map<string, number>();
  const check = (a: Answer, what: string) => {
    if (!(a.status >= 400 && a.status < 500) || typeof a.body?.error !== "string" || !/^[a-z_]+$/.test(a.body.error) || typeof a.body.message !== "string") {
      throw new Error(`${what}: a 4xx { error, message } expected, got ${a.status} ${a.text.slice(0, 200)}`);
    }
    seen.set(a.body.error, (seen.get(a.body.error) ?? 0) + 1);
    if (dbFingerprint() !== before.db) throw new Error(`${what}: the database changed`);
  };
  await fc.assert(
    fc.asyncProperty(hostilePath, async ({ method, target }) => {
      const body = method === "POST" || method === "PUT" || method === "PATCH" ? JSON.stringify(pending) : undefined;
      check(await request(method, target, body), `${method} ${JSON.stringify(target.slice(0, 100))}`);
    }),
    { seed: 0x5eed_a77a, numRuns: 300 },
  );
  await fc.assert(
    fc.asyncProperty(hostilePost, async ({ body, type, target }) => {
      check(await request("POST", target, body, { "content-type": type }), `POST ${target} ${type} ${JSON.stringify(body.toString().slice(0, 100))}`);
    }),
    { seed: 0x5eed_b0d1, numRuns: 300 },
  );
  expect(dbFingerprint()).toBe(before.db);
  expect(await stateView()).toEqual(before.state);
  expect(seq.ctx.mempool.size).toBe(before.mempool);
  expect(logs.slice(before.logged)).toEqual([]);
  // The runs reached the parser, the target checks, the router and the transaction checks alike.
  const codes = ["bad_request", "headers_too_large", "invalid_path", "invalid_query", "uri_too_long", "not_found", "method_not_allowed",
    "invalid_json", "invalid_field", "bad_signature", "duplicate", "body_too_large", "unsupported_media_type"];
  expect(codes.filter((c) => !seen.has(c))).toEqual([]);
}, 5 * GUARD_MS);
