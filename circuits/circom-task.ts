// The task module of the circom compiler (circuits/build.ts runs it through core/pool.ts, one
// worker per compile): circom2 (the Circom compiler as WebAssembly) under WASI, so the thread that
// started it stays free to report progress. circom ends by calling WASI's proc_exit, which here
// throws out of the compiler's instance; the task resolves with that exit status and what the
// compiler printed. A fresh worker per compile hands the compiler's memory (up to 4 GiB) back with it.
//
// Task: { args } with paths relative to the working directory (circom2's WASI sandbox sees only
// preopened folders: the working directory and its ancestors). Result: { code, output }.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

class CircomExit extends Error {
  constructor(readonly code: number) {
    super(`circom exited with ${code}`);
  }
}

export interface CircomTask {
  args: string[];
}

export interface CircomResult {
  code: number;
  output: string;
}

type WasiFn = (...args: unknown[]) => unknown;

export default async function circomTask({ args }: CircomTask): Promise<CircomResult> {
  const { CircomRunner, bindings } = require("circom2") as {
    CircomRunner: new (o: Record<string, unknown>) => { wasi: { wasiImport: Record<string, WasiFn> }; execute(code: Buffer): Promise<unknown> };
    bindings: Record<string, unknown>;
  };
  const cwd = process.cwd();
  const preopens: Record<string, string> = {};
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const seg = path.relative(cwd, dir) || ".";
    preopens[seg] = seg;
    if (path.dirname(dir) === dir) break;
  }

  // The compiler's stdout/stderr are captured instead of printed.
  const output: string[] = [];
  const writeSync = (fd: number, buf: string | Uint8Array, ...rest: unknown[]): number => {
    if (fd === 1 || fd === 2) {
      const text = typeof buf === "string" ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString();
      output.push(text);
      return typeof buf === "string" ? Buffer.byteLength(buf) : buf.byteLength;
    }
    return (fs.writeSync as (...a: unknown[]) => number)(fd, buf, ...rest);
  };

  let exitCode = 0;
  const runner = new CircomRunner({
    args,
    env: {},
    preopens,
    bindings: {
      ...bindings,
      fs: { ...fs, writeSync },
      exit(code: number) {
        exitCode = code;
        throw new CircomExit(code);
      },
    },
  });

  // circom2's WASI shim takes the compiler's i32 arguments as JavaScript numbers, which WebAssembly
  // hands over as signed: once the compiler's heap passes 2 GiB (circuits near 900k constraints) a
  // pointer arrives negative and the shim fails with `RangeError: Start offset … is outside the
  // bounds of the buffer`. Every i32 of WASI preview 1 is unsigned (pointers, lengths, descriptors,
  // flags), so reading them back as unsigned lets the compiler use the whole 4 GiB of wasm32.
  const imports = runner.wasi.wasiImport;
  for (const [name, fn] of Object.entries(imports)) {
    if (typeof fn !== "function") continue;
    imports[name] = (...a: unknown[]) => fn(...a.map((x) => (typeof x === "number" && x < 0 ? x >>> 0 : x)));
  }

  try {
    await runner.execute(fs.readFileSync(require.resolve("circom2/circom.wasm")));
  } catch (err) {
    if (!(err instanceof CircomExit)) {
      output.push(String(err instanceof Error && err.stack ? err.stack : err));
      exitCode = exitCode || 1;
    }
  }
  return { code: exitCode, output: output.join("") };
}
