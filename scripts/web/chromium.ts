/**
 * Debian's chromium driven by playwright-core (nothing is downloaded: scripts/system-deps.sh
 * installs the package), for the browser tests and the browser benchmark. With `webgpu`, WebGPU
 * runs on the browser's own adapter: SwiftShader's software Vulkan without a GPU (or the GPU,
 * with ZKR_CHROMIUM_ARGS="--use-webgpu-adapter=default"); without, navigator.gpu offers no
 * adapter, as on a browser without WebGPU.
 */
import fs from "node:fs";
import type { Browser } from "playwright-core";

export const CHROMIUM = process.env.ZKR_CHROMIUM ?? "/usr/bin/chromium";

export async function launchChromium(o: { webgpu: boolean }): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM}: not found; 'bash scripts/system-deps.sh' installs Debian's chromium (or set ZKR_CHROMIUM)`);
  const extra = (process.env.ZKR_CHROMIUM_ARGS ?? "").split(" ").filter(Boolean);
  const args = [
    // root in a container has no user namespace for chromium's sandbox
    ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
    // the machine has no network: nothing in the background
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    ...(o.webgpu ? ["--enable-unsafe-webgpu", ...(extra.some((a) => a.startsWith("--use-webgpu-adapter")) ? [] : ["--use-webgpu-adapter=swiftshader"])] : []),
    ...extra,
  ];
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args, timeout: 120_000 });
}
