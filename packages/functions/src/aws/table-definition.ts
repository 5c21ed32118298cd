/**
 * The single DynamoDB table's physical schema, shared by the local stack (which creates it in
 * DynamoDB Local) and by infra/ (which declares it for SST), so the two cannot drift. The item
 * types stored in it, their keys and their mapping are declared in entities.ts.
 *
 * One index: gsi1, the all-teams usage report, partitioned by day (USAGEDAY#<day>) so no
 * partition takes more than a day's rollups. Every other read is a key read or a query within
 * one partition (docs/architecture.md "The table").
 * The stream (new and old images) feeds task-effects-aggregator.ts: usage rollups, ledger lines,
 * settled charges and task counts follow from each task write, exactly once.
 */
export const TABLE_KEYS = { partitionKey: "pk", sortKey: "sk" } as const;

export const TABLE_INDEXES = [{ name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" }] as const;

/** Epoch seconds after which DynamoDB's TTL may delete an item (ended tasks, payloads, idempotency keys, pace and observation items). */
export const TTL_ATTRIBUTE = "expires_at";

export const STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES";

/** Every key attribute is a string. */
export const KEY_ATTRIBUTES = [
  TABLE_KEYS.partitionKey,
  TABLE_KEYS.sortKey,
  ...TABLE_INDEXES.flatMap((index) => [index.partitionKey, index.sortKey]),
] as const;
