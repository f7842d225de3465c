/**
 * The `webgpu` backend: the prover's MSM (G1 and G2) and NTT kernels in WGSL, run through Dawn's
 * node bindings. Same interface and byte layouts as the cpu backend (prover/backend.ts).
 *
 * - Bases are uploaded once per `loadBases`, split into buffers no larger than the adapter's
 *   binding limit; an MSM runs one pass per piece (or more, when the pass's other buffers need
 *   it) and adds the passes' window sums on the host.
 * - GPU work is serialised: the device executes one queue anyway, and one operation at a time
 *   bounds the memory of the prover's concurrent calls.
 * - A lost device is a DeviceLostError (`retryable`): the caller may redo the proof on the cpu.
 * - `debug` (or ZKR_WEBGPU_DEBUG=1) checks every stage against its CPU twin (debug.ts).
 * - The interface's checks are prover/checked.ts's, wrapped around the backend by
 *   createWebGpuBackend (and `variant`); this file checks only its options and the device.
 */
import { BackendError, FR_BYTES, type BasesHandle, type Group, type NttOptions, type ProverBackend } from "../backend.js";
import { checkedBackend, type CheckedBackend } from "../checked.js";
import { Gpu, type AdapterDescription, type GpuLimits } from "./device.js";
import { msmCheck } from "./debug.js";
import { GpuMsm, MAX_WINDOW, MIN_WINDOW, chooseWindow } from "./msm.js";
import { GpuNtt } from "./ntt.js";
import { G1, G2, affineWords } from "./wgsl/curve.js";

export { Gpu, type AdapterDescription } from "./device.js";
export { DeviceLostError } from "../backend.js";
export { MIN_WINDOW, MAX_WINDOW } from "./msm.js";

/** Options of {@link createWebGpuBackend}. */
export interface WebGpuBackendOptions {
  /** Compare every GPU stage with its CPU twin (slow). Default: ZKR_WEBGPU_DEBUG=1. */
  debug?: boolean;
  /** Forces the Pippenger window (bits) of every MSM; for tests. */
  windowBits?: number;
  /** Refuse software adapters (llvmpipe…): what `--backend auto` uses. */
  onlyHardware?: boolean;
  /** Caps the points of one MSM pass (tests of the splitting; default: the adapter's limits). */
  maxPassPoints?: number;
  /**
   * Where the device comes from: a browser passes `(o) => Gpu.fromNavigator(navigator.gpu, o)`;
   * the default is Dawn's node bindings (./dawn.ts), loaded only then.
   */
  open?: (o: { onlyHardware?: boolean; log?: (l: string) => void }) => Promise<Gpu | null>;
  log?: (line: string) => void;
}

const NAME = "webgpu";

class WebGpuBases implements BasesHandle {
  released = false;
  constructor(
    readonly group: Group,
    readonly length: number,
    /** Pieces: a buffer and the index of its first point. */
    readonly pieces: { buffer: GPUBuffer; start: number; count: number }[],
    /** The LEM bytes, kept only in debug mode for the CPU twins. */
    readonly lem: Uint8Array | undefined,
  ) {}
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const p of this.pieces) p.buffer.destroy();
  }
}

/**
 * Opens a device and returns the backend, behind the interface's checks (`inner` is the
 * {@link WebGpuBackend}: adapter, `warm`, `variant`); a BackendError when no adapter can be used.
 */
export async function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<CheckedBackend<WebGpuBackend>> {
  const open = options.open ?? (async (o) => (await import("./dawn.js")).openDawn(o));
  const gpu = await open({ onlyHardware: options.onlyHardware, log: options.log });
  if (!gpu) {
    throw new BackendError(NAME, options.onlyHardware ? "no hardware WebGPU adapter found" : "no WebGPU adapter found (a GPU with Vulkan, or Mesa's EGL/GLES for llvmpipe)");
  }
  return checkedBackend(new WebGpuBackend(gpu, options));
}

/** The backend object, unchecked (createWebGpuBackend wraps it). */
export class WebGpuBackend implements ProverBackend {
  readonly name = NAME;
  readonly debug: boolean;
  private readonly msms: { G1: GpuMsm; G2: GpuMsm };
  private readonly ntts: GpuNtt;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly live = new Set<WebGpuBases>();

  constructor(
    private readonly gpu: Gpu,
    private readonly options: WebGpuBackendOptions,
    /** False for a {@link variant}: closing it leaves the device open. */
    private readonly ownsDevice = true,
  ) {
    this.debug = options.debug ?? globalThis.process?.env?.ZKR_WEBGPU_DEBUG === "1";
    this.msms = { G1: new GpuMsm(gpu, G1), G2: new GpuMsm(gpu, G2) };
    this.ntts = new GpuNtt(gpu, this.debug);
    const w = options.windowBits;
    if (w !== undefined && (!Number.isInteger(w) || w < MIN_WINDOW || w > MAX_WINDOW)) {
      throw new BackendError(NAME, `windowBits: an integer in [${MIN_WINDOW}, ${MAX_WINDOW}] expected, got ${w}`);
    }
  }

  /** A backend on the same device with other options (tests, benches), checked; closing it keeps the device. */
  variant(options: Omit<WebGpuBackendOptions, "onlyHardware" | "log">): CheckedBackend<WebGpuBackend> {
    return checkedBackend(new WebGpuBackend(this.gpu, { ...this.options, ...options }, false));
  }

  /** The device's limits the kernels plan around (the adapter's own, unless default ones were asked for). */
  get limits(): GpuLimits {
    return this.gpu.limits;
  }

  /** The adapter this backend runs on. */
  get adapter(): AdapterDescription {
    return this.gpu.adapter;
  }

  /** Compiles every kernel (the first proof otherwise pays for it). */
  async warm(): Promise<void> {
    await Promise.all([this.msms.G1.warm(), this.msms.G2.warm(), this.ntts.warm()]);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  async loadBases(group: Group, bases: Uint8Array): Promise<BasesHandle> {
    this.gpu.check();
    const bytes = affineWords(group === "G1" ? G1 : G2) * 4;
    const length = bases.length / bytes;
    // pieces a multiple of 64 points, so that pass offsets keep the binding alignment
    const per = Math.max(64, Math.floor(this.gpu.limits.maxStorageBufferBindingSize / bytes / 64) * 64);
    const pieces: WebGpuBases["pieces"] = [];
    for (let start = 0; start < length || (length === 0 && pieces.length === 0); start += per) {
      const count = Math.min(per, length - start);
      pieces.push({ buffer: this.gpu.upload(bases.subarray(start * bytes, (start + count) * bytes), `${group}-bases`), start, count });
      if (length === 0) break;
    }
    const handle = new WebGpuBases(group, length, pieces, this.debug ? bases.slice() : undefined);
    this.live.add(handle);
    return handle;
  }

  async msm(bases: BasesHandle, scalars: Uint8Array): Promise<Uint8Array> {
    this.gpu.check();
    const handle = bases as WebGpuBases;
    const n = scalars.length / FR_BYTES;
    const engine = this.msms[handle.group];
    const size = affineWords(engine.group) * 4;
    return this.exclusive(async () => {
      const c = this.options.windowBits ?? chooseWindow(n);
      const cap = Math.min(engine.maxPassPoints(c), this.options.maxPassPoints ?? Infinity);
      // pass sizes keep each pass's binding offset aligned (256 bytes = 4 G1 or 2 G2 points)
      const passMax = cap >= 64 ? Math.floor(cap / 64) * 64 : Math.max(4, Math.floor(cap / 4) * 4);
      let windows: ReturnType<GpuMsm["combine"]>[] | undefined;
      for (const piece of handle.pieces) {
        for (let first = 0; first < piece.count && piece.start + first < n; first += passMax) {
          const count = Math.min(passMax, piece.count - first, n - piece.start - first);
          const from = piece.start + first;
          const part = scalars.subarray(from * FR_BYTES, (from + count) * FR_BYTES);
          const check = this.debug && handle.lem ? msmCheck(this.gpu, engine.host, handle.lem.subarray(from * size, (from + count) * size), part) : undefined;
          const sums = await engine.pass({ buffer: piece.buffer, first }, part, c, check);
          windows = windows ? windows.map((w, i) => engine.host.add(w, sums[i])) : sums;
        }
      }
      return engine.host.toLem(engine.combine(windows!, c));
    });
  }

  async ntt(values: Uint8Array, options: NttOptions = {}): Promise<Uint8Array> {
    this.gpu.check();
    return this.exclusive(() => this.ntts.ntt(values, options));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    for (const h of this.live) await h.release();
    this.live.clear();
    this.ntts.close();
    if (this.ownsDevice) this.gpu.close();
  }
}
