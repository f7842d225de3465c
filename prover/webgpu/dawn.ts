/**
 * WebGPU in Node: adapters from Dawn's node bindings (npm `webgpu`), tried in order until one
 * opens a device:
 *
 * 1. `vulkan`: Dawn's Vulkan backend on the machine's own Vulkan drivers (a real GPU).
 * 2. `vulkan` on SwiftShader, when hardware is not required: the Vulkan driver Debian's chromium
 *    package ships (its ICD json is added to the Vulkan loader's list through VK_ADD_DRIVER_FILES;
 *    the loader is Debian's libvulkan1). The WGSL → SPIR-V → Vulkan path every GPU on Linux takes.
 * 3. `opengles`: Dawn's OpenGL ES backend in compatibility mode (Mesa's llvmpipe without a GPU).
 *
 * `ZKR_WEBGPU_BACKEND=vulkan|opengles` keeps only that backend; `ZKR_SWIFTSHADER_ICD` names
 * another SwiftShader ICD json than chromium's.
 */
import fs from "node:fs";
import { create, globals } from "webgpu";
import { Gpu } from "./device.js";

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

/**
 * Opens the first adapter that works. Returns null when none does; `onlyHardware` skips software
 * adapters (what `--backend auto` wants) and never adds SwiftShader.
 */
export async function openDawn(opts: { onlyHardware?: boolean; log?: (l: string) => void } = {}): Promise<Gpu | null> {
  installGlobals();
  const forced = process.env.ZKR_WEBGPU_BACKEND;
  if (forced && forced !== "vulkan" && forced !== "opengles") throw new Error(`ZKR_WEBGPU_BACKEND: vulkan or opengles expected, got ${JSON.stringify(forced)}`);
  const icd = opts.onlyHardware ? undefined : swiftShaderIcd();
  type Try = { backend: string; flags: string[]; options: GPURequestAdapterOptions; before?: () => void };
  const fast: GPURequestAdapterOptions = { powerPreference: "high-performance" };
  const tries = ([
    { backend: "vulkan", flags: [], options: fast },
    ...(icd ? [{ backend: "vulkan", flags: [], options: fast, before: () => addSwiftShader(icd) }] : []),
    { backend: "opengles", flags: ["backend=opengles"], options: { featureLevel: "compatibility" } as GPURequestAdapterOptions },
  ] as Try[]).filter((t) => !forced || t.backend === forced);
  for (const t of tries) {
    t.before?.();
    if (t.backend === "opengles" && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = "surfaceless";
    const instance = create(t.flags) as unknown as GPU;
    const adapter = await instance.requestAdapter(t.options).catch(() => null);
    if (!adapter) continue;
    const gpu = await Gpu.fromAdapter(instance, adapter, t.backend, opts);
    if (typeof gpu !== "string") return gpu;
    opts.log?.(`webgpu: ${gpu}`);
  }
  return null;
}
