// A zkr wallet file: the keys of ./wallet-core.ts (what a wallet does, the same in the browser)
// kept in one JSON file readable by its owner only (0600), and the devnet operator's fee-account
// key. The CLI (`zkr wallet …`), `zkr up --demo` and the end-to-end tests use it.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { randomPrivateKey, type PrivateKey } from "./model/keys.js";
import { parsePrivateJson, readPrivateFile } from "./secrets.js";
import { WalletError, type WalletFile } from "./wallet-core.js";

export * from "./wallet-core.js";

/**
 * The L2 key of the devnet operator's fee account (`zkr up` makes the account): derived from the
 * operator's L1 key, so that this key alone recovers it, on a kept chain too.
 */
export function feeAccountKey(l1Key: string): PrivateKey {
  if (!/^0x[0-9a-fA-F]{64}$/.test(l1Key)) throw new WalletError("L1 key: 0x and 64 hex digits expected");
  return new Uint8Array(createHash("sha256").update("zkr fee account\0").update(Buffer.from(l1Key.slice(2), "hex")).digest());
}

/** Writes a new wallet file with mode 0600; refuses to overwrite one. */
export function createWalletFile(file: string, l1Key: string, l2Key: PrivateKey = randomPrivateKey()): WalletFile {
  if (!/^0x[0-9a-fA-F]{64}$/.test(l1Key)) throw new WalletError("L1 key: 0x and 64 hex digits expected (the wallet file is not written)");
  const w: WalletFile = { version: 1, l2Key: Buffer.from(l2Key).toString("hex"), l1Key };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = fs.openSync(file, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new WalletError(`wallet ${file}: a new file expected, one exists (delete it or pass --wallet)`);
    throw e;
  }
  try {
    fs.writeSync(fd, JSON.stringify(w, null, 2) + "\n");
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(file, 0o600); // whatever the umask
  return w;
}

/** Reads a wallet file; refuses one that others can read, and never quotes its keys in an error. */
export function readWalletFile(file: string): WalletFile {
  if (!fs.existsSync(file)) throw new WalletError(`wallet ${file}: not found (create one with 'zkr wallet create')`);
  const w = parsePrivateJson(readPrivateFile(file, "wallet"), `wallet ${file}`) as Partial<WalletFile> | null;
  if (typeof w !== "object" || w === null || w.version !== 1 || typeof w.l2Key !== "string" || !/^[0-9a-f]{64}$/.test(w.l2Key) || typeof w.l1Key !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(w.l1Key)) {
    throw new WalletError(`wallet ${file}: not a zkr wallet file`);
  }
  return w as WalletFile;
}

