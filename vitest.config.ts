import { defineConfig } from "vitest/config";

// Two layers, one command (`pnpm test`, after type-check and lint):
//  - unit: packages/*/test/**/*.test.ts, test/infra and test/bench — pure logic, single adapters
//    against their sandbox over HTTP, the SST config against a recording stand-in, a small run
//    of the routing benchmark. Fast.
//  - e2e: test/e2e/**/*.test.ts — each file starts the whole local stack (DynamoDB Local,
//    fauxqs, sandbox upstreams, the API, the worker loop) and drives it over HTTP.
//    Two files at a time: each runs a JVM and the machine has two cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts", "test/infra/**/*.test.ts", "test/bench/**/*.test.ts"],
          testTimeout: 20_000,
          sequence: { groupOrder: 0 }, // unit tests first, then the e2e files
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
