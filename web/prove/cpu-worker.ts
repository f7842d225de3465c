/** The cpu backend's Web Worker, bundled as cpu-worker.js beside the page: prover/cpu/web-worker.ts listens once loaded in a worker. */
import "../../prover/cpu/web-worker.js";
