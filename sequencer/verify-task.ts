// The task module of VerifyPool (core/pool.ts runs it on worker threads): a group of signatures
// in, one boolean per signature out. `init` builds the verifier's tables before the first group.

import { warmUpEddsaVerifier } from "./model/eddsa.js";
import { verifyGroup, type SignatureItem } from "./signatures.js";

export function init(): void {
  warmUpEddsaVerifier();
}

export default function verifyTask(items: readonly SignatureItem[]): boolean[] {
  return verifyGroup(items);
}
