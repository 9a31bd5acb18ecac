// Lint rules for the whole tree: ESLint's and typescript-eslint's recommended sets; formatting is
// left to Prettier (eslint-config-prettier turns off the rules that would fight it).
import js from "@eslint/js";
import prettier from "eslint-config-prettier/flat";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["dist/", "node_modules/", "coverage/", "test-output/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // The few plain JavaScript files (bin/kb.js, this file) run on Node; TypeScript files get
    // their globals checked by the compiler instead.
    files: ["**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  {
    rules: {
      // A leading underscore marks a parameter kept for the signature (a base method others override).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Test helpers declare a server that closures defined before it starts will read.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  prettier,
);
