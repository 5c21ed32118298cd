// The single DynamoDB table. Its keys, indexes and TTL attribute come from the same module the
// local stack uses to create the table in DynamoDB Local, so the two cannot drift.
// Options: https://sst.dev/docs/component/aws/dynamo
import {
  KEY_ATTRIBUTES,
  TABLE_INDEXES,
  TABLE_KEYS,
  TTL_ATTRIBUTE,
} from "../packages/functions/src/aws/table-definition";

// The stream carries every task write, new and old image, to the task-effects aggregator
// (infra/aggregator.ts): usage rollups, ledger lines and settled charges follow from it.

export const table = new sst.aws.Dynamo("RouterTable", {
  // Only attributes used by a key or an index are declared; all of them are strings.
  fields: Object.fromEntries(KEY_ATTRIBUTES.map((attribute) => [attribute, "string" as const])),
  primaryIndex: { hashKey: TABLE_KEYS.partitionKey, rangeKey: TABLE_KEYS.sortKey },
  // Projection is left at SST's default ("all"), as in the local stack: the one index (usage
  // rollups by day) is read whole by the admin report.
  globalIndexes: Object.fromEntries(
    TABLE_INDEXES.map((index) => [index.name, { hashKey: index.partitionKey, rangeKey: index.sortKey }]),
  ),
  // Ended tasks and idempotency keys carry an epoch-seconds expiry; DynamoDB deletes them for free.
  ttl: TTL_ATTRIBUTE,
  stream: "new-and-old-images",
  // The table holds team balances and the charge ledger: production's cannot be deleted by
  // accident (point-in-time recovery is on by default in SST).
  deletionProtection: $app.stage === "production",
});
