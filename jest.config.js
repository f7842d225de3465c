/** Jest runs the TypeScript sources directly (swc), as native ES modules. */
import fs from "node:fs";

// Mesa's EGL needs this to run without a display (the WebGPU tests on llvmpipe). The backend sets it
// itself, but jest hands each test file a copy of process.env, which never reaches the C library;
// set here, in jest's parent process, every worker inherits it.
process.env.EGL_PLATFORM ??= "surfaceless";
// Likewise SwiftShader's Vulkan driver from Debian's chromium, for the WebGPU tests on Dawn's
// Vulkan backend (prover/webgpu/dawn.ts adds it the same way outside jest).
const SWIFTSHADER_ICD = process.env.ZKR_SWIFTSHADER_ICD ?? "/usr/lib/chromium/vk_swiftshader_icd.json";
if (fs.existsSync(SWIFTSHADER_ICD) && !(process.env.VK_ADD_DRIVER_FILES ?? "").split(":").includes(SWIFTSHADER_ICD)) {
  process.env.VK_ADD_DRIVER_FILES = [process.env.VK_ADD_DRIVER_FILES, SWIFTSHADER_ICD].filter(Boolean).join(":");
}

export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "es6" } }] },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  testTimeout: 600000,
  // Two workers on CI's two cores (jest's default, cores − 1, runs everything in one process). The
  // long files (cold WebGPU kernel compiles, proofs, anvil end-to-end runs) then overlap.
  maxWorkers: 2,
};
