// Debian's chromium driven by playwright-core (nothing is downloaded: scripts/system-deps.sh
// installs the package). With `webgpu`, WebGPU runs on SwiftShader, the software Vulkan driver
// chromium ships; without, navigator.gpu offers no adapter, as on a browser without WebGPU.
import fs from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.ZKR_CHROMIUM ?? "/usr/bin/chromium";

export async function launchChromium(o: { webgpu: boolean }): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM}: not found; 'bash scripts/system-deps.sh' installs Debian's chromium (or set ZKR_CHROMIUM)`);
  const args = [
    // root in a container has no user namespace for chromium's sandbox
    ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
    // the machine has no network: nothing in the background
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    ...(o.webgpu ? ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"] : []),
    ...(process.env.ZKR_CHROMIUM_ARGS ?? "").split(" ").filter(Boolean),
  ];
  return chromium.launch({ executablePath: CHROMIUM, args, timeout: 120_000 });
}

/** The page's console and errors, for a failing test's message. */
export function pageLog(page: Page): string[] {
  const lines: string[] = [];
  page.on("console", (m) => lines.push(`console.${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => lines.push(`pageerror: ${e.message}`));
  return lines;
}
