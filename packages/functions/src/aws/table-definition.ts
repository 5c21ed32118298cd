/**
 * The single DynamoDB table's key schema, shared by the local stack (which creates it in
 * DynamoDB Local) and by infra/ (which declares it for SST), so the two cannot drift.
 *
 * Items (pk / sk):
 *   TEAM#<team_id>        / TEAM                     the team, its balance and counters
 *   TEAM#<team_id>        / KEY#<prefix>             a key's prefix → its hash (for revocation)
 *   APIKEY#<sha256>       / APIKEY                   a key's hash → its team (for auth)
 *   TASK#<task_id>        / TASK                     the task (metadata, attempts, result)
 *   TASK#<task_id>        / PAYLOAD#<n>              the task's request fields, in ≤350 KB chunks
 *   IDEM#<team_id>#<key>  / IDEM                     Idempotency-Key → task
 *   TEAM#<team_id>        / LEDGER#<time>#<task_id>  one line per charge
 *   TEAM#<team_id>        / CALLBACKSECRET           the team's callback signing secret
 *   TEAM#<team_id>        / REPORTS#<YYYY-MM-DDTHH>  bad reports forwarded upstream that hour (TTL)
 *   PROVIDERS             / <provider_id>            a provider's shared cooldown
 *   PROVIDERS             / #obs#<bucket>#<provider> observed figures of one time bucket (TTL)
 *   USAGE#<team_id>       / <day>#<type>#<provider>  usage rollups
 * Indexes:
 *   gsi1 (gsi1pk = TEAMTASKS#<team_id>, gsi1sk = <task_id (ulid, time-ordered)>): a team's tasks
 *   gsi2 (gsi2pk = TEAMTASKS#<team_id>#<status>, gsi2sk = <task_id>): a team's tasks by status
 *   open (open_pk = OPEN, open_sk = <due time>#<task_id>): unfinished tasks, for the sweeper
 */
export const TABLE_KEYS = { partitionKey: "pk", sortKey: "sk" } as const;

export const TABLE_INDEXES = [
  { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
  { name: "gsi2", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
  { name: "open", partitionKey: "open_pk", sortKey: "open_sk" },
] as const;

/** Epoch seconds after which DynamoDB's TTL may delete an item (ended tasks, idempotency keys, observation buckets). */
export const TTL_ATTRIBUTE = "expires_at";

/** Every key attribute is a string. */
export const KEY_ATTRIBUTES = [
  TABLE_KEYS.partitionKey,
  TABLE_KEYS.sortKey,
  ...TABLE_INDEXES.flatMap((index) => [index.partitionKey, index.sortKey]),
] as const;
