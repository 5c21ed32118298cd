// Lint runs as part of `pnpm test`. sst.config.ts and infra/ are written against SST's
// generated platform types, which `sst install` fetches from the internet (not available
// on the development machines), so they are linted without type information like any other file.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", ".sst/**", "**/dist/**", "test-results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  {
    files: ["sst.config.ts", "infra/**/*.ts"],
    rules: { "@typescript-eslint/triple-slash-reference": "off" },
  },
);
