/**
 * Reads the cpu backend's prebuilt WebAssembly module (./module.ts, PREBUILT_FILE): Node only, and
 * loaded only from the compiled build in Node; the browser bundle stubs it (scripts/web/bundle.ts).
 */
import fs from "node:fs";
import type { CpuWasmCode } from "./module.js";

/** The module stored at `file`, or null when there is none. */
export function readPrebuilt(file: URL): CpuWasmCode | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const j = JSON.parse(text) as { code: string; staticEnd: number; frOne: number };
  return { code: Uint8Array.from(Buffer.from(j.code, "base64")), staticEnd: j.staticEnd, frOne: j.frOne };
}
