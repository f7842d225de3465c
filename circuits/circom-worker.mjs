// Runs circom2 (the Circom compiler as WebAssembly) in a worker thread, so the thread that started
// it stays free to report progress. Plain JavaScript: worker threads get no TypeScript loader.
//
// workerData: { args: string[] } with paths relative to the working directory (circom2's WASI
// sandbox sees only preopened folders: the working directory and its ancestors).
// Posts { code, output } when the compiler exits.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";

const require = createRequire(import.meta.url);
const { CircomRunner, bindings } = require("circom2");

class CircomExit extends Error {
  constructor(code) {
    super(`circom exited with ${code}`);
    this.code = code;
  }
}

const cwd = process.cwd();
const preopens = {};
for (let dir = cwd; ; dir = path.dirname(dir)) {
  const seg = path.relative(cwd, dir) || ".";
  preopens[seg] = seg;
  if (path.dirname(dir) === dir) break;
}

// The compiler's stdout/stderr are captured instead of printed.
const output = [];
const writeSync = (fd, buf, ...rest) => {
  if (fd === 1 || fd === 2) {
    const text = typeof buf === "string" ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString();
    output.push(text);
    return typeof buf === "string" ? Buffer.byteLength(buf) : buf.byteLength;
  }
  return fs.writeSync(fd, buf, ...rest);
};

let exitCode = 0;
const runner = new CircomRunner({
  args: workerData.args,
  env: {},
  preopens,
  bindings: {
    ...bindings,
    fs: { ...fs, writeSync },
    exit(code) {
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
  imports[name] = (...args) => fn(...args.map((a) => (typeof a === "number" && a < 0 ? a >>> 0 : a)));
}

try {
  await runner.execute(fs.readFileSync(require.resolve("circom2/circom.wasm")));
} catch (err) {
  if (!(err instanceof CircomExit)) {
    output.push(String(err && err.stack ? err.stack : err));
    exitCode = exitCode || 1;
  }
}
parentPort.postMessage({ code: exitCode, output: output.join("") });
