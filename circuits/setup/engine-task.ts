/**
 * The dev setup's task module (core/pool.ts runs it on one worker per core): each worker keeps one
 * engine (circuits/setup/engine.ts: its own wasm instance, memory and window tables) and runs the
 * setup's jobs on it. Result buffers come back transferred.
 */
import { createEngine, type Engine, type EngineConsts, type EngineJob, type EngineResult } from "./engine.js";

/** What every worker gets: the bn128 module's bytes (with the dev-setup plugin) and its generators. */
export interface EngineWorkerData {
  code: Uint8Array;
  consts: EngineConsts;
}

let engine: Engine | undefined;

export async function init(data: EngineWorkerData): Promise<void> {
  engine = await createEngine(data.code, data.consts);
}

export default function engineTask(job: EngineJob): EngineResult {
  if (!engine) throw new Error("setup engine: init first");
  return engine.run(job);
}
