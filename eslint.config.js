// The project's lint rules (typescript-eslint's recommended set, without type information so a
// run stays quick on two cores). `npm test` runs it after `tsc --noEmit`; `npm run lint` alone.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  // Generated code (TypeChain bindings), build outputs and recorded results are not ours to lint.
  { ignores: ["node_modules/", "build/", "contracts/types/", "bench/results/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // Unused names are mistakes, except a leading underscore that says "deliberately unused".
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      // `any` at the edges (JSON from the wire, snarkjs's untyped API) is sometimes the honest type.
      "@typescript-eslint/no-explicit-any": "off",
      // A loop that runs until it returns (`for (;;)`) is how the retry and claim loops are written.
      "no-constant-condition": ["error", { checkLoops: false }],
      "prefer-const": "error",
      eqeqeq: ["error", "always"],
    },
  },
  {
    // Plain-JavaScript worker files and CommonJS shims.
    files: ["**/*.mjs", "**/*.cjs", "**/*.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The browser pages run in a browser (web/app: Preact components in .tsx).
    files: ["web/**/*.ts", "web/**/*.tsx"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["test/**/*.ts"],
    languageOptions: { globals: { ...globals.jest } },
  },
);
