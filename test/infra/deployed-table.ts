/**
 * What the deployed table must be, written out here rather than read from the module infra/
 * builds it from (packages/functions/src/aws/table-definition.ts): a change there has to be
 * made here too, on purpose.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { RecordedComponent } from "./sst-recorder";

export const EXPECTED_TABLE = {
  fields: { pk: "string", sk: "string", gsi1pk: "string", gsi1sk: "string" },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  // One index: the all-teams usage report, partitioned by day.
  globalIndexes: {
    gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk" },
  },
  ttl: "expires_at",
  // The stream feeds the task-effects aggregator (usage, ledger, counts).
  stream: "new-and-old-images",
};

/** The index names the DynamoDB stores query (`IndexName: "…"` in packages/functions/src/aws). */
export function indexesQueried(root: string): string[] {
  const dir = join(root, "packages/functions/src/aws");
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    for (const m of readFileSync(join(dir, file), "utf8").matchAll(/IndexName:\s*"([^"]+)"/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

/** The table's keys, indexes and TTL, and every index the code queries is one of them. */
export function expectDeployedTable(table: RecordedComponent, root: string): void {
  expect(table.args).toMatchObject(EXPECTED_TABLE);
  expect(Object.keys(table.args.globalIndexes as object).sort()).toEqual(Object.keys(EXPECTED_TABLE.globalIndexes).sort());
  expect(table.args.localIndexes).toBeUndefined();
  const queried = indexesQueried(root);
  expect(queried.length).toBeGreaterThan(0);
  for (const name of queried) expect(Object.keys(EXPECTED_TABLE.globalIndexes), `index ${name} the stores query`).toContain(name);
}
