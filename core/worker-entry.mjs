// @ts-check
// The one entry of every zkr worker thread (core/pool.ts, whose header has the rule). Plain
// JavaScript because it is what starts the TypeScript loader: a worker thread inherits neither
// jest's transform nor the tsx that bin/zkr.js registered in the main thread.
//
// It registers tsx's ESM loader when the task module is TypeScript, imports the module, runs its
// `init(workerData)` once, tells the pool it is ready (or why not), and hands piscina the task
// function, wrapped so that typed arrays in the result are transferred rather than copied.

import { parentPort, threadId, workerData } from "node:worker_threads";
import { move, transferableSymbol, valueSymbol } from "piscina";

const { module: url, data } = workerData.zkrTaskPool;

/** @type {(task: unknown) => unknown} */
let task;
try {
  if (/\.[cm]?ts$/.test(new URL(url).pathname)) {
    const { register } = await import("tsx/esm/api");
    register();
  }
  const mod = await import(url);
  if (typeof mod.default !== "function") throw new TypeError(`${url}: its default export is not a function (the task)`);
  if (typeof mod.init === "function") await mod.init(data);
  task = mod.default;
} catch (err) {
  parentPort?.postMessage({ zkrPoolFailed: err });
  throw err;
}
parentPort?.postMessage({ zkrPoolReady: threadId });

/** @param {unknown} v */
function ownsBuffer(v) {
  return ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
}

/**
 * The result, marked for piscina to transfer the buffers of its typed arrays (the result itself
 * or the values of a plain result object) that own their whole buffer.
 * @param {unknown} result
 */
function transferable(result) {
  /** @type {Set<ArrayBuffer>} */
  const buffers = new Set();
  if (ownsBuffer(result)) buffers.add(/** @type {ArrayBufferView} */ (result).buffer);
  else if (result && typeof result === "object" && Object.getPrototypeOf(result) === Object.prototype) {
    for (const v of Object.values(result)) if (ownsBuffer(v)) buffers.add(/** @type {ArrayBufferView} */ (v).buffer);
  }
  if (buffers.size === 0) return result;
  return move(/** @type {any} */ ({ [transferableSymbol]: [...buffers], [valueSymbol]: result }));
}

/** @param {unknown} t */
export default async function run(t) {
  return transferable(await task(t));
}
