/** The cpu backend's Web Worker (bundled as cpu-worker.js beside the page). */
export {};
