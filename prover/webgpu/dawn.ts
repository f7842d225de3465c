/**
 * WebGPU in Node: adapters from Dawn's node bindings (npm `webgpu`), tried in this order until one
 * opens a device: hardware Vulkan, then OpenGL ES, then SwiftShader Vulkan.
 *
 * 1. `vulkan` on hardware: Dawn's Vulkan backend on the machine's own drivers, a real GPU. A
 *    software adapter offered here (SwiftShader, when it is already among the loader's drivers) is
 *    refused, so that a GPU always wins over SwiftShader.
 * 2. `opengles`: Dawn's OpenGL ES backend in compatibility mode: a GPU's own GLES driver, or Mesa's
 *    llvmpipe without a GPU (which `onlyHardware` skips). Before SwiftShader because, measured on
 *    the same machine (bench/README.md), llvmpipe runs the kernels 20–47× faster and Mesa keeps the
 *    compiled kernels on disk, while SwiftShader compiles them again in every process (about 4 min).
 * 3. `vulkan` on SwiftShader, unless hardware is required: the Vulkan driver Debian's chromium
 *    package ships (its ICD json is added to the Vulkan loader's list through VK_ADD_DRIVER_FILES;
 *    the loader is Debian's libvulkan1). The WGSL → SPIR-V → Vulkan path every GPU on Linux takes,
 *    on the CPU: what `ZKR_WEBGPU_BACKEND=vulkan` gets without a GPU, and what the webgpu tests run
 *    on. (Mesa's lavapipe, Debian's other software Vulkan driver, Dawn refuses.)
 *
 * `ZKR_WEBGPU_BACKEND=vulkan|opengles` keeps only that backend; `ZKR_SWIFTSHADER_ICD` names
 * another SwiftShader ICD json than chromium's.
 */
import fs from "node:fs";
import { create, globals } from "webgpu";
import { Gpu, describeAdapter, type OpenOptions } from "./device.js";

/** Where Debian's chromium package puts SwiftShader's Vulkan driver. */
export const CHROMIUM_SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

/** The SwiftShader ICD json to use, if there is one. */
export function swiftShaderIcd(): string | undefined {
  const file = process.env.ZKR_SWIFTSHADER_ICD ?? CHROMIUM_SWIFTSHADER_ICD;
  return fs.existsSync(file) ? file : undefined;
}

// Dawn's classes (GPUBufferUsage, GPUMapMode, …) as globals, once per process.
let installed = false;
function installGlobals(): void {
  if (installed) return;
  for (const [k, v] of Object.entries(globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  installed = true;
}

/** Adds SwiftShader to the Vulkan loader's drivers (read by every Dawn instance made after it). */
function addSwiftShader(icd: string): void {
  const files = (process.env.VK_ADD_DRIVER_FILES ?? "").split(":").filter(Boolean);
  if (!files.includes(icd)) process.env.VK_ADD_DRIVER_FILES = [...files, icd].join(":");
}

/** One step of {@link openDawn}'s order. */
interface Step {
  /** What the log calls it. */
  label: string;
  backend: "vulkan" | "opengles";
  /** Which adapters the step takes: `hardware` only, `swiftshader` only, or `any` (onlyHardware still applies). */
  takes: "hardware" | "swiftshader" | "any";
  flags: string[];
  options: GPURequestAdapterOptions;
  before?: () => void;
}

/**
 * Opens the first adapter that works, in the order "hardware Vulkan, then OpenGL ES, then
 * SwiftShader Vulkan" (the file's header), and logs why each step it passes gave nothing. Returns null when
 * none does. `onlyHardware` (what `--backend auto` wants) never takes a software adapter: it leaves
 * SwiftShader out and skips llvmpipe.
 *
 * Step 1 asks for the high-performance adapter and refuses a software one: SwiftShader may already
 * be among the loader's drivers (VK_ADD_DRIVER_FILES set before the process started, as jest.config.js
 * does), and Dawn would offer it when there is no GPU. Dawn ranks GPUs before CPU adapters, so a
 * real GPU beside SwiftShader is what step 1 gets. Step 3 asks for the fallback (CPU) adapter and
 * takes only SwiftShader.
 */
export async function openDawn(opts: OpenOptions & { log?: (l: string) => void } = {}): Promise<Gpu | null> {
  installGlobals();
  const forced = process.env.ZKR_WEBGPU_BACKEND;
  if (forced && forced !== "vulkan" && forced !== "opengles") throw new Error(`ZKR_WEBGPU_BACKEND: vulkan or opengles expected, got ${JSON.stringify(forced)}`);
  const icd = swiftShaderIcd();
  const steps: Step[] = [
    { label: "hardware Vulkan", backend: "vulkan", takes: "hardware", flags: [], options: { powerPreference: "high-performance" } },
    { label: "OpenGL ES", backend: "opengles", takes: "any", flags: ["backend=opengles"], options: { featureLevel: "compatibility" } as GPURequestAdapterOptions },
    { label: "Vulkan on SwiftShader", backend: "vulkan", takes: "swiftshader", flags: [], options: { forceFallbackAdapter: true }, before: icd ? () => addSwiftShader(icd) : undefined },
  ];
  const log = (l: string) => opts.log?.(`webgpu: ${l}`);
  for (const s of steps) {
    if (forced && s.backend !== forced) continue;
    if (s.takes === "swiftshader" && opts.onlyHardware) continue;
    if (s.takes === "swiftshader" && !icd) {
      log(`${s.label}: no SwiftShader ICD (${process.env.ZKR_SWIFTSHADER_ICD ?? CHROMIUM_SWIFTSHADER_ICD}; Debian's chromium package ships it)`);
      continue;
    }
    s.before?.();
    if (s.backend === "opengles" && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = "surfaceless";
    const instance = create(s.flags) as unknown as GPU;
    const adapter = await instance.requestAdapter(s.options).catch(() => null);
    if (!adapter) {
      log(`${s.label}: no adapter`);
      continue;
    }
    const { name, software } = describeAdapter(adapter);
    if (s.takes === "hardware" && software) {
      log(`${s.label}: skipping the software adapter ${name}`);
      continue;
    }
    if (s.takes === "swiftshader" && !/swiftshader/i.test(name)) {
      log(`${s.label}: SwiftShader expected, got ${name}`);
      continue;
    }
    const gpu = await Gpu.fromAdapter(instance, adapter, s.backend, opts);
    if (typeof gpu !== "string") return gpu;
    log(`${s.label}: ${gpu}`);
  }
  return null;
}
