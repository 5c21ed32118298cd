/**
 * sst.config.ts and infra/ evaluated for the production stage (what `sst deploy --stage
 * production` would create), against the recording stand-in. A file of its own: infra/ creates
 * its components when first imported, so each stage is evaluated in a fresh module graph.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { expectDeployedTable } from "./deployed-table";
import { evaluateSstConfig, type Evaluation } from "./sst-recorder";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

let evaluation: Evaluation;
beforeAll(async () => {
  evaluation = await evaluateSstConfig(join(ROOT, "sst.config.ts"), "production");
});

describe("the production stage", () => {
  it("retains its resources and refuses `sst remove`", () => {
    expect(evaluation.app).toMatchObject({ name: "solver-router", home: "aws", removal: "retain", protect: true });
  });

  it("protects the table (balances and the ledger) from deletion, with the same keys, indexes and TTL", () => {
    const table = evaluation.recording.component("sst.aws.Dynamo", "RouterTable");
    expectDeployedTable(table, ROOT);
    expect(table.args.deletionProtection).toBe(true);
  });

  it("deploys the same five functions; only the API sees the admin key, the sweeper and the aggregator no upstream keys", () => {
    const recording = evaluation.recording;
    expect(recording.functions.map((fn) => fn.handler).sort()).toEqual([
      "packages/functions/src/handlers/api.handler",
      "packages/functions/src/handlers/provider-monitor.handler",
      "packages/functions/src/handlers/sweeper.handler",
      "packages/functions/src/handlers/task-effects.handler",
      "packages/functions/src/handlers/worker.handler",
    ]);
    const linked = (handler: string, name: string) =>
      recording.functions.find((fn) => fn.handler === `packages/functions/src/handlers/${handler}.handler`)!.links.includes(recording.byName(name).instance);
    for (const handler of ["api", "worker", "sweeper", "task-effects", "provider-monitor"]) {
      expect(linked(handler, "RouterTable"), `${handler} links RouterTable`).toBe(true);
      expect(linked(handler, "AdminKey"), `${handler} links AdminKey`).toBe(handler === "api");
      expect(linked(handler, "ProvidersConfig"), `${handler} links ProvidersConfig`).toBe(["api", "worker", "provider-monitor"].includes(handler));
    }
  });
});
