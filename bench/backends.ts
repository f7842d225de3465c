/**
 * The benchmark's zkr backends: each requested one started with createBackend; one that cannot
 * start is skipped with its reason, printed and recorded. A WebGPU adapter is recorded with its
 * kernel compile time; on a software adapter webgpu runs small sizes only.
 */
import { createBackend } from "../prover/index.js";
import type { ProverBackend } from "../prover/backend.js";
import { timeMs } from "./lib.js";
import type { BenchOptions } from "./options.js";
import type { AdapterInfo, BenchRun } from "./report.js";

/** What a run records besides its rows: skips with their reasons, notes, and the log. */
export interface BenchRecord {
  skipped: BenchRun["skipped"];
  notes: string[];
  log: (line: string) => void;
}

/** The started backends. */
export interface BenchBackends {
  backends: Map<string, ProverBackend>;
  adapter: AdapterInfo | null;
  /** True for webgpu on a software adapter (llvmpipe): correct, but no measure of a GPU. */
  software(name: string): boolean;
  close(): Promise<void>;
}

/** Starts the requested backends (see the file's header). */
export async function startBackends(o: BenchOptions, rec: BenchRecord): Promise<BenchBackends> {
  const { skipped, notes, log } = rec;
  let adapter: AdapterInfo | null = null;
  const backends = new Map<string, ProverBackend>();
  for (const name of o.backends) {
    try {
      const b = await createBackend(name, (l) => log(l));
      backends.set(name, b);
      // createBackend wraps every backend in the interface's checks (prover/checked.ts): the adapter
      // and warm() are the wrapped backend's own
      const own = ((b as { inner?: ProverBackend }).inner ?? b) as ProverBackend & { adapter?: AdapterInfo; warm?: () => Promise<void> };
      const a = own.adapter;
      if (a?.software && o.softwareMaxLog <= 0) {
        // --software-max-log 0 (--quick): skip before paying for the kernels' compilation (minutes on llvmpipe)
        const why = `${a.name} is a software adapter, left out (--software-max-log ${o.softwareMaxLog})`;
        skipped.push({ what: `backend ${name}`, why });
        log(`skipped backend ${name}: ${why}`);
        backends.delete(name);
        await b.close();
        continue;
      }
      if (a) {
        adapter = { name: a.name, backend: a.backend, software: a.software };
        const warm = own.warm;
        if (warm) {
          log(`${name}: compiling kernels…`);
          adapter.compileMs = await timeMs(() => warm.call(own));
          log(`${name}: kernels compiled in ${(adapter.compileMs / 1000).toFixed(1)} s`);
        }
        if (a.software) {
          const why = `${a.name} is a software adapter (correct, but orders of magnitude slower than a GPU): webgpu kernels and proofs up to 2^${o.softwareMaxLog} only`;
          notes.push(`webgpu: ${why}`);
          log(`note: ${why}`);
        }
      }
    } catch (err) {
      const why = (err as Error).message;
      skipped.push({ what: `backend ${name}`, why });
      log(`skipped backend ${name}: ${why}`);
    }
  }
  const a = adapter as AdapterInfo | null;
  return {
    backends,
    adapter,
    software: (name) => name === "webgpu" && a?.software === true,
    close: async () => {
      for (const b of backends.values()) await b.close();
    },
  };
}
