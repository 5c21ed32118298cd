// The task-effects aggregator: the table's stream → usage rollups, ledger lines, settled charges
// and task counts (packages/functions/src/aws/task-effects-aggregator.ts). Stream reads by Lambda
// are free; each batch costs a few writes however many tasks it carries.
// Options: https://sst.dev/docs/component/aws/dynamo#subscribe
import { routerFunction } from "./functions";
import { table } from "./storage";

export const taskEffects = table.subscribe(
  "TaskEffects",
  routerFunction("task-effects", { timeout: "60 seconds", memory: "256 MB" }),
  {
    transform: {
      eventSourceMapping: {
        startingPosition: "TRIM_HORIZON",
        // Big batches, gathered for up to a second: one rollup write per team, day, type and
        // provider per batch instead of one per task.
        batchSize: 1000,
        maximumBatchingWindowInSeconds: 1,
        // A tumbling window makes Lambda name the batch's shard (`shardId`), which the
        // aggregator's exactly-once checkpoints are keyed by. Its state is not used.
        tumblingWindowInSeconds: 1,
        // Retry a failed batch until it passes: the books must not skip a record.
        maximumRetryAttempts: -1,
        bisectBatchOnFunctionError: false,
      },
    },
  },
);
