/**
 * The browser wallet's L2 key, kept in this browser's localStorage encrypted with a passphrase the
 * user types: PBKDF2-SHA-256 (600,000 iterations, OWASP's figure for it) derives an AES-256-GCM
 * key; GCM's tag makes a wrong passphrase fail to decrypt rather than yield another key. The
 * public key is stored beside it in the clear, so the page can show the accounts before unlocking;
 * nothing is signed without the passphrase. The unlocked key lives in memory only, until the page
 * is closed or locked.
 */
import { getBytes, hexlify } from "ethers";
import { publicKey, randomPrivateKey, type PrivateKey, type PublicKey } from "../../../sequencer/model/keys.js";

const STORAGE_KEY = "zkr.wallet.v1";
export const PBKDF2_ITERATIONS = 600_000;
/** The shortest passphrase accepted for a new key. */
export const MIN_PASSPHRASE = 8;

export interface StoredKey {
  version: 1;
  ax: string;
  ay: string;
  salt: string;
  iv: string;
  /** AES-GCM of the 32-byte private key, tag included. */
  ciphertext: string;
  iterations: number;
  createdAt: string;
}

export class KeystoreError extends Error {
  override name = "KeystoreError";
}

/** A copy on its own ArrayBuffer, as Web Crypto's types ask. */
const own = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

async function aesKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: own(salt), iterations }, base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

export function storedKey(): StoredKey | null {
  const raw = localStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const k = JSON.parse(raw) as StoredKey;
    return k.version === 1 && typeof k.ciphertext === "string" ? k : null;
  } catch {
    return null;
  }
}

/** Parses a private key the user pastes: 64 hex digits, with or without 0x. */
export function parsePrivateKey(text: string): PrivateKey {
  const t = text.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(t)) throw new KeystoreError("private key: 64 hex digits expected (32 bytes, as 'zkr wallet' files hold it)");
  return getBytes("0x" + t);
}

/** Encrypts and stores `sk` (a new random key by default); refuses a short or mistyped passphrase. */
export async function saveKey(passphrase: string, confirm: string, sk: PrivateKey = randomPrivateKey()): Promise<{ sk: PrivateKey; pk: PublicKey; stored: StoredKey }> {
  if (passphrase.length < MIN_PASSPHRASE) throw new KeystoreError(`passphrase: at least ${MIN_PASSPHRASE} characters expected`);
  if (passphrase !== confirm) throw new KeystoreError("passphrase: the two entries differ");
  // Never over another key (one another tab stored meanwhile): it may own funds.
  if (storedKey()) throw new KeystoreError("this browser already holds a key (made in another tab?): reload the page to unlock it, or forget it first");
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await aesKey(passphrase, salt, PBKDF2_ITERATIONS);
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, own(sk)));
  const pk = publicKey(sk);
  const stored: StoredKey = { version: 1, ax: pk[0].toString(), ay: pk[1].toString(), salt: hexlify(salt), iv: hexlify(iv), ciphertext: hexlify(ciphertext), iterations: PBKDF2_ITERATIONS, createdAt: new Date().toISOString() };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
  return { sk, pk, stored };
}

/** Decrypts the stored key. @throws KeystoreError on a wrong passphrase (nothing else is touched). */
export async function unlockKey(stored: StoredKey, passphrase: string): Promise<{ sk: PrivateKey; pk: PublicKey }> {
  const key = await aesKey(passphrase, getBytes(stored.salt), stored.iterations);
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: own(getBytes(stored.iv)) }, key, own(getBytes(stored.ciphertext)));
  } catch {
    throw new KeystoreError("wrong passphrase: the key stays locked");
  }
  const sk = new Uint8Array(plain);
  const pk = publicKey(sk);
  if (pk[0].toString() !== stored.ax || pk[1].toString() !== stored.ay) throw new KeystoreError("the stored key does not match its public key: the storage was altered");
  return { sk, pk };
}

export function forgetKey(): void {
  localStorage.removeItem(STORAGE_KEY);
}
