// Waiting on events in tests: poll a condition until it holds, with a generous deadline (the suite
// must pass on a busy machine), and say what was awaited when it does not.

/** Resolves once `cond` holds; throws after `timeoutMs` naming `what` (and `context()`, if given). */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 120_000, context?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a process with this pid exists. */
export { processAlive as alive } from "../../core/instance.js";
