// Secrets (private keys) come from files that only their owner can read, or from the environment;
// never from the command line, which every user of the machine can read (`ps`, /proc/PID/cmdline)
// and shells keep in their history. A refusal names the file and what to do, and never quotes the
// secret or any part of it.

import fs from "node:fs";
import { ZkrError } from "../core/errors.js";

export class SecretError extends ZkrError {
  override name = "SecretError" as const;
}

/** Why a file may not hold a secret (not a regular file; its group or others may read or write it), or undefined. */
function whyNotPrivate(file: string, st: fs.Stats, what: string): SecretError | undefined {
  if (!st.isFile()) return new SecretError(`${what} ${file}: a regular file expected`);
  if (process.platform !== "win32" && (st.mode & 0o077) !== 0) {
    return new SecretError(`${what} ${file}: mode 0600 expected (it holds a private key), got 0${(st.mode & 0o777).toString(8)}; run 'chmod 600 ${file}'`);
  }
  return undefined;
}

/**
 * Reads a file, and says why it may not hold a secret if it may not: only its owner may read it
 * (mode & 0o077 is 0). The mode is that of the opened file, so the file read is the file judged.
 * @throws SecretError when it is missing or not a regular file.
 */
export function readFileAndMode(file: string, what: string): { text: string; notPrivate: SecretError | undefined } {
  let fd: number;
  try {
    // A FIFO would block the open: look before opening, and again at what was opened.
    if (!fs.statSync(file).isFile()) throw new SecretError(`${what} ${file}: a regular file expected`);
    fd = fs.openSync(file, "r");
  } catch (e) {
    if (e instanceof SecretError) throw e;
    throw new SecretError(`${what} ${file}: not readable (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    const st = fs.fstatSync(fd);
    const problem = whyNotPrivate(file, st, what);
    if (problem && !st.isFile()) throw problem;
    return { text: fs.readFileSync(fd, "utf8"), notPrivate: problem };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a file that holds a secret. @throws SecretError when it is missing, not a regular file, or
 * readable by others.
 */
export function readPrivateFile(file: string, what: string): string {
  const { text, notPrivate } = readFileAndMode(file, what);
  if (notPrivate) throw notPrivate;
  return text;
}

/** JSON.parse that never quotes the text in its error (V8 quotes the start of it: the start of a key). */
export function parsePrivateJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SecretError(`${what}: JSON expected, it does not parse (its text is not shown: it may hold a key)`);
  }
}

/** An Ethereum private key, `0x` and 64 hex digits (the `0x` may be left out; spaces around are ignored). */
export function privateKeyHex(s: string, what: string): string {
  const t = s.trim();
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(t)) throw new SecretError(`${what}: a private key (0x and 64 hex digits) expected, got ${t.length} characters that are not one`);
  return (t.startsWith("0x") ? t : "0x" + t).toLowerCase();
}
