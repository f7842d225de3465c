// A signature-verification worker thread of VerifyPool: groups in, one boolean per signature out.

import { parentPort } from "node:worker_threads";
import { warmUpEddsaVerifier } from "./model/eddsa.js";
import { verifyGroup, type SignatureItem } from "./signatures.js";

warmUpEddsaVerifier();
parentPort!.postMessage({ ready: true });
parentPort!.on("message", (m: { id: number; items: SignatureItem[] }) => {
  try {
    parentPort!.postMessage({ id: m.id, ok: verifyGroup(m.items) });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error).message });
  }
});
