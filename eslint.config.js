// ESLint for the extension (plain ES modules + the classic content script) and fixture scripts.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/**", "companion/static/vendor/**", "tests/fixtures/**/vendor/**"] },
  js.configs.recommended,
  {
    files: ["extension/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.webextensions, ...globals.serviceworker },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    files: ["scripts/**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
  {
    files: ["extension/content/**/*.js", "companion/static/**/*.js", "tests/fixtures/**/*.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser } },
  },
];
