/**
 * A lock between processes around a cached build (a compiled circuit, a dev setup). Two processes
 * that miss the same cache at once — two test files, `zkr up` beside a test run — would otherwise
 * both build it, and the second rename would swap the keys under the first one's feet: a vkey from
 * one setup, a zkey from the other, and proofs that do not verify.
 *
 * The lock is proper-lockfile's `<target>.lock` folder, refreshed while held, so a holder that was
 * killed leaves a lock that goes stale and is taken over.
 */
import fs from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";

/** How long a lock not refreshed counts as abandoned by a killed holder. */
const STALE_MS = 60_000;
/** How long to wait for another builder before giving up (a large circuit compiles for minutes). */
const WAIT_MS = 60 * 60_000;
const POLL_MS = 1_000;

/**
 * Runs `fn` holding the lock on `target` (a path; it need not exist). Waits, logging once, while
 * another process holds it. `fn` should check the cache again first: the other holder may have
 * just filled it.
 */
export async function withBuildLock<T>(target: string, what: string, log: (l: string) => void, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const lockOpts = { realpath: false, stale: STALE_MS, onCompromised: (err: Error) => log(`${what}: build lock lost (${err.message}); going on`) };
  let release: () => Promise<void>;
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      release = await lockfile.lock(target, lockOpts);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ELOCKED") throw err;
      if (Date.now() - started > WAIT_MS) throw new Error(`${what}: another process has held ${target}.lock for over ${WAIT_MS / 60_000} minutes`, { cause: err });
      if (!told) log(`${what}: another process is building it; waiting…`);
      told = true;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    // A lock compromised meanwhile (and so already gone) must not turn a finished build into an error.
    await release().catch(() => {});
  }
}
