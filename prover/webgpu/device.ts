/**
 * The WebGPU device layer, the same in Node and in a browser: opens a device on an adapter with
 * the adapter's own limits, and wraps the few operations the kernels need (buffers, uploads,
 * read-backs, pipelines, dispatches split across the workgroup-count limit) so that every failure
 * (validation, out of memory, device lost) surfaces as a BackendError.
 *
 * Where the adapter comes from is the host's: `navigator.gpu` in a browser ({@link Gpu.fromNavigator}),
 * Dawn's node bindings in Node (./dawn.ts). `close()` must run: in Node, Dawn keeps a thread busy
 * until `device.destroy()`.
 */
import { BackendError, DeviceLostError } from "../backend.js";

/** What the backend reports about the adapter it runs on. */
export interface AdapterDescription {
  /** Dawn backend: `vulkan`, `opengles`, … */
  backend: string;
  /** Adapter name (device, vendor, description, as far as the driver says). */
  name: string;
  /** True for software rasterisers (llvmpipe, lavapipe, SwiftShader): correct, but slow. */
  software: boolean;
}

/** The limits the kernels plan their work around. */
export interface GpuLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBuffersPerShaderStage: number;
}


/** How to open a device. */
export interface OpenOptions {
  /** Skip software adapters (llvmpipe, SwiftShader…): what `--backend auto` wants. */
  onlyHardware?: boolean;
  /**
   * Ask for WebGPU's core default limits (128 MiB per storage binding, 256 MiB per buffer: what every
   * adapter grants) instead of the adapter's own; for tests of the splitting.
   */
  defaultLimits?: boolean;
}

/**
 * WebGPU's core defaults for the limits the kernels depend on: what any adapter grants. Asked for
 * by name, since a compatibility-mode adapter (Dawn's OpenGL ES) defaults to lower ones.
 */
export const CORE_DEFAULT_LIMITS = {
  maxStorageBufferBindingSize: 128 * 2 ** 20,
  maxBufferSize: 256 * 2 ** 20,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
} as const;

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader/i;
const WORKGROUP = 64;

/**
 * The adapter's name (description, device, vendor, architecture, as far as the driver says) and
 * whether it is software: a fallback adapter (Dawn's flag for CPU adapters such as SwiftShader), or
 * named like a software rasteriser (llvmpipe behind OpenGL ES is not flagged).
 */
export function describeAdapter(adapter: GPUAdapter): { name: string; software: boolean } {
  const info = adapter.info;
  const name = [info.description, info.device, info.vendor, info.architecture].filter(Boolean).join(" / ") || "unnamed adapter";
  const software = SOFTWARE.test(name) || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { name, software };
}

type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

/** A device and its helpers. */
export class Gpu {
  private lostReason: string | undefined;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private closed = false;

  private constructor(
    /** Dawn's instance: it must outlive the device (a collected instance crashes the process). */
    private readonly instance: GPU,
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
    readonly limits: GpuLimits,
  ) {
    void device.lost.then((info) => {
      if (!this.closed) this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  /**
   * Opens a device on `adapter` with the adapter's own limits requested (the defaults are far too
   * small for 2^20 points). Returns a string saying why when the adapter is skipped or refuses.
   * `instance` is what created the adapter (navigator.gpu, or Dawn's instance, which must outlive
   * the device: a collected instance crashes the process).
   */
  static async fromAdapter(instance: GPU, adapter: GPUAdapter, backend: string, opts: OpenOptions = {}): Promise<Gpu | string> {
    const { name, software } = describeAdapter(adapter);
    if (opts.onlyHardware && software) return `skipping the software adapter ${name}`;
    const l = adapter.limits as unknown as Record<string, number>;
    const requiredLimits: Record<string, number> = {};
    for (const [k, v] of Object.entries(CORE_DEFAULT_LIMITS)) requiredLimits[k] = opts.defaultLimits ? Math.min(v, l[k]) : l[k];
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({ requiredLimits });
    } catch (err) {
      return `${name} refused a device (${(err as Error).message})`;
    }
    const limits: GpuLimits = {
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxBufferSize: device.limits.maxBufferSize,
      maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
    };
    return new Gpu(instance, device, { backend, name, software }, limits);
  }

  /** The WebGPU of a browser (or any `navigator.gpu`): its one adapter, or null with the reason logged. */
  static async fromNavigator(gpu: GPU | undefined, opts: OpenOptions & { log?: (l: string) => void } = {}): Promise<Gpu | null> {
    if (!gpu) {
      opts.log?.("webgpu: this browser has no navigator.gpu");
      return null;
    }
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
    if (!adapter) {
      opts.log?.("webgpu: the browser offers no adapter");
      return null;
    }
    const g = await Gpu.fromAdapter(gpu, adapter, "browser", opts);
    if (typeof g === "string") {
      opts.log?.(`webgpu: ${g}`);
      return null;
    }
    return g;
  }

  /** Throws DeviceLostError once the device is gone. */
  check(): void {
    if (this.lostReason) throw new DeviceLostError("webgpu", this.lostReason);
    if (this.closed) throw new BackendError("webgpu", "the backend is closed");
  }

  /** A storage buffer of `size` bytes (zeroed, as WebGPU guarantees). */
  buffer(size: number, label: string, extraUsage = 0): GPUBuffer {
    this.check();
    if (size > this.limits.maxBufferSize) {
      throw new BackendError("webgpu", `${label}: ${size} bytes exceed the adapter's maxBufferSize (${this.limits.maxBufferSize})`);
    }
    return this.device.createBuffer({
      label,
      size: Math.max(16, Math.ceil(size / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
    });
  }

  /** A buffer holding `data`. */
  upload(data: ArrayBufferView, label: string): GPUBuffer {
    const buf = this.buffer(data.byteLength, label);
    this.write(buf, data);
    return buf;
  }

  /** Writes `data` at `offset` of `buf` (padded to 4 bytes as writeBuffer requires). */
  write(buf: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    this.check();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length % 4 === 0) this.device.queue.writeBuffer(buf, offset, bytes as Uint8Array<ArrayBuffer>);
    else {
      const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
      padded.set(bytes);
      this.device.queue.writeBuffer(buf, offset, padded);
    }
  }

  /** A uniform buffer of u32 parameters. */
  uniforms(values: readonly number[]): GPUBuffer {
    this.check();
    const data = new Uint32Array(Math.max(4, Math.ceil(values.length / 4) * 4));
    data.set(values);
    const buf = this.device.createBuffer({ label: "params", size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, data);
    return buf;
  }

  /** Compiles (once) a compute pipeline from WGSL; shader errors become BackendErrors. */
  async pipeline(key: string, code: string): Promise<GPUComputePipeline> {
    const cached = this.pipelines.get(key);
    if (cached) return cached;
    this.check();
    this.device.pushErrorScope("validation");
    const module = this.device.createShaderModule({ label: key, code });
    // An invalid module must be caught here: Dawn's async pipeline creation never settles on one.
    const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === "error");
    if (errors.length > 0) {
      await this.device.popErrorScope();
      throw new BackendError("webgpu", `shader ${key} does not compile: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join("; ")}`);
    }
    const pipeline = await this.device.createComputePipelineAsync({ label: key, layout: "auto", compute: { module, entryPoint: "main" } }).catch((err: Error) => {
      throw new BackendError("webgpu", `shader ${key}: ${err.message}`);
    });
    const err = await this.device.popErrorScope();
    if (err) throw new BackendError("webgpu", `shader ${key}: ${err.message}`);
    this.pipelines.set(key, pipeline);
    return pipeline;
  }

  /**
   * Records a dispatch of `threads` invocations (workgroups of 64; the count is split over x and
   * y when it exceeds the per-dimension limit; kernels compute their id as x + y·64·num_workgroups.x,
   * wgsl/entry.ts's ENTRY and ID).
   */
  dispatch(pass: GPUComputePassEncoder, pipeline: GPUComputePipeline, bindings: Binding[], threads: number): void {
    this.dispatchGroups(pass, pipeline, bindings, Math.ceil(threads / WORKGROUP));
  }

  /** As {@link dispatch}, in whole workgroups (for kernels with their own workgroup size). */
  dispatchGroups(pass: GPUComputePassEncoder, pipeline: GPUComputePipeline, bindings: Binding[], groups: number): void {
    if (groups <= 0) return;
    const group = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: bindings.map((b, i) => ({ binding: i, resource: "buffer" in b ? b : { buffer: b } })),
    });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    const x = Math.min(groups, max);
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
  }

  /** Runs `record` in one command buffer and waits for the queue; errors become BackendErrors. */
  async run(label: string, record: (enc: GPUCommandEncoder) => void): Promise<void> {
    this.check();
    this.device.pushErrorScope("out-of-memory");
    this.device.pushErrorScope("validation");
    const enc = this.device.createCommandEncoder({ label });
    record(enc);
    this.device.queue.submit([enc.finish()]);
    const validation = await this.device.popErrorScope();
    const oom = await this.device.popErrorScope();
    await this.device.queue.onSubmittedWorkDone();
    this.check();
    if (validation) throw new BackendError("webgpu", `${label}: ${validation.message}`);
    if (oom) throw new BackendError("webgpu", `${label}: out of GPU memory (${oom.message})`);
  }

  /** Reads `size` bytes of `buf` from `offset` back to the host. */
  async read(buf: GPUBuffer, size = buf.size, offset = 0): Promise<Uint8Array> {
    this.check();
    const staging = this.device.createBuffer({ label: "readback", size: Math.ceil(size / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      await this.run("readback", (enc) => enc.copyBufferToBuffer(buf, offset, staging, 0, Math.ceil(size / 4) * 4));
      await staging.mapAsync(GPUMapMode.READ).catch((err: Error) => {
        this.check();
        throw new BackendError("webgpu", `readback: ${err.message}`);
      });
      return new Uint8Array(staging.getMappedRange().slice(0, size));
    } finally {
      staging.destroy();
    }
  }

  /** Releases the device (and Dawn's thread with it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pipelines.clear();
    this.device.destroy();
  }
}
