/**
 * The one error base of zkr, in the style of viem's BaseError: a short human message, optional
 * details and meta lines, the underlying `cause`, and `walk` to find a cause of a given kind.
 *
 * `retryable` says whether the same work could succeed if tried again (a lost GPU, a lease lost
 * to a slow disk) or never will (a witness that does not fit its key, a transaction with a bad
 * signature). Callers that retry read it through {@link isRetryable}, which looks down the cause
 * chain; an error that is not a ZkrError (an OS error, a bug) counts as retryable, since nothing
 * says it is not.
 */

/** Optional extras of every {@link ZkrError}. */
export interface ZkrErrorOptions {
  /** Longer explanation appended to `message` (not to `shortMessage`). */
  details?: string;
  /** Lines printed between the short message and the details (values, hints). */
  metaMessages?: string[];
  /** Underlying error, if this one wraps another. */
  cause?: unknown;
}

/** Base class of every error zkr throws on purpose. */
export class ZkrError extends Error {
  override name: string = "ZkrError";
  /** One line: what was expected and what came. */
  readonly shortMessage: string;
  /** Extra explanation, if any. */
  readonly details: string | undefined;
  /** Extra lines (values, hints), if any. */
  readonly metaMessages: string[] | undefined;
  override readonly cause: unknown;
  /** Whether trying the same work again could succeed. Errors about the input are not. */
  readonly retryable: boolean = false;

  constructor(shortMessage: string, options: ZkrErrorOptions = {}) {
    super(
      [shortMessage, ...(options.metaMessages?.length ? ["", ...options.metaMessages] : []), ...(options.details ? ["", `Details: ${options.details}`] : [])].join("\n"),
    );
    // Assigned here rather than passed to super: class fields are (re)defined after super() returns.
    this.shortMessage = shortMessage;
    this.details = options.details;
    this.metaMessages = options.metaMessages;
    this.cause = options.cause;
  }

  /**
   * This error and its causes, outermost first: the first for which `match` holds (the innermost
   * cause when no `match` is given), or null.
   */
  walk(match?: (err: unknown) => boolean): unknown {
    return walkCauses(this, match);
  }
}

/**
 * A worker task failed: it threw, its worker died, or the worker could not start. Thrown by every
 * worker pool (core/pool.ts on Node's threads, prover/cpu/web-pool.ts on a browser's Web Workers);
 * here rather than in core/pool.ts so that code for browsers can use it without Node's modules.
 */
export class WorkerTaskError extends ZkrError {
  override name = "WorkerTaskError";
  // A worker's failure says nothing about the work itself: as the unknown error it wraps, it
  // counts as worth another try (isRetryable).
  override readonly retryable = true;
}

/** Walks `err` and its `cause` chain; see {@link ZkrError.walk}. */
export function walkCauses(err: unknown, match?: (err: unknown) => boolean): unknown {
  let e: unknown = err;
  const seen = new Set<unknown>();
  while (e !== undefined && e !== null && !seen.has(e)) {
    seen.add(e);
    if (match?.(e)) return e;
    const next = (e as { cause?: unknown }).cause;
    if (next === undefined || next === null) return match ? null : e;
    e = next;
  }
  return null;
}

/**
 * Whether work that failed with `err` is worth trying again: the outermost ZkrError in the cause
 * chain decides; with none, an unknown error is taken as transient.
 */
export function isRetryable(err: unknown): boolean {
  const z = walkCauses(err, (e) => e instanceof ZkrError) as ZkrError | null;
  return z ? z.retryable : true;
}

/** One line for logs and job rows: the short message, prefixed with the class name for plain errors. */
export function errorLine(err: unknown): string {
  if (err instanceof ZkrError) return err.shortMessage;
  if (err instanceof Error) return `${err.name === "Error" ? "" : `${err.name}: `}${err.message}`;
  return String(err);
}
