// The single DynamoDB table. Its keys, indexes and TTL attribute come from the same module the
// local stack uses to create the table in DynamoDB Local, so the two cannot drift.
// Options: https://sst.dev/docs/component/aws/dynamo
import {
  KEY_ATTRIBUTES,
  TABLE_INDEXES,
  TABLE_KEYS,
  TTL_ATTRIBUTE,
} from "../packages/functions/src/aws/table-definition";

export const table = new sst.aws.Dynamo("RouterTable", {
  // Only attributes used by a key or an index are declared; all of them are strings.
  fields: Object.fromEntries(KEY_ATTRIBUTES.map((attribute) => [attribute, "string" as const])),
  primaryIndex: { hashKey: TABLE_KEYS.partitionKey, rangeKey: TABLE_KEYS.sortKey },
  // Projection is left at SST's default ("all"), as in the local stack, so queries on an
  // index return whole items without a second read.
  globalIndexes: Object.fromEntries(
    TABLE_INDEXES.map((index) => [index.name, { hashKey: index.partitionKey, rangeKey: index.sortKey }]),
  ),
  // Ended tasks and idempotency keys carry an epoch-seconds expiry; DynamoDB deletes them for free.
  ttl: TTL_ATTRIBUTE,
  // The table holds team balances and the charge ledger: production's cannot be deleted by
  // accident (point-in-time recovery is on by default in SST).
  deletionProtection: $app.stage === "production",
});
