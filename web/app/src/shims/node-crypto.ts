/**
 * `node:crypto` for the browser bundle, as far as the shared model uses it: SHA-256 hashes
 * (`createHash("sha256")`) and random bytes, from the page's Web Crypto. Anything else throws: the
 * model's Node-only paths (BLAKE-512 key files, verification batches) never run in a page.
 */
import { concat, getBytes, sha256 } from "ethers";

class Sha256 {
  private readonly parts: Uint8Array[] = [];
  update(data: Uint8Array | string, encoding?: string): this {
    if (typeof data === "string" && encoding !== undefined && encoding !== "utf8" && encoding !== "utf-8") throw new Error(`createHash: ${encoding} strings are not supported in the browser`);
    this.parts.push(typeof data === "string" ? new TextEncoder().encode(data) : data);
    return this;
  }
  digest(encoding?: "hex"): Uint8Array | string {
    const bytes = getBytes(sha256(concat(this.parts)));
    return encoding === "hex" ? Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") : bytes;
  }
}

export function createHash(algorithm: string): Sha256 {
  if (algorithm !== "sha256") throw new Error(`createHash(${JSON.stringify(algorithm)}): only sha256 is available in the browser`);
  return new Sha256();
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

export default { createHash, randomBytes };
