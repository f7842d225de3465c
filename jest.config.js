/** Jest runs the TypeScript sources directly (swc), as native ES modules. */

// Mesa's EGL needs this to run without a display (the WebGPU tests on llvmpipe). The backend sets it
// itself, but jest hands each test file a copy of process.env, which never reaches the C library;
// set here, in jest's parent process, every worker inherits it.
process.env.EGL_PLATFORM ??= "surfaceless";

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
