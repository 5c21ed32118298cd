import { defineConfig } from "vitest/config";

// Three layers, one command (`pnpm test`):
//  - unit: packages/*/test/**/*.test.ts — pure logic and single adapters, fast.
//  - e2e: test/e2e/**/*.test.ts — the whole local stack (DynamoDB Local, fauxqs, sandbox
//    upstreams, API, worker loop) started once by test/e2e/global-setup.ts, driven over HTTP.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts", "test/infra/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: true,
        },
      },
    ],
  },
});
