/** Lambda entry of the task-effects aggregator (the table's stream, with a tumbling window that names the shard). */
import type { TaskStreamBatch } from "../aws/task-effects-aggregator.ts";
import { awsRuntime } from "./aws-settings.ts";

const runtime = awsRuntime({ providers: false });

export const handler = async (event: TaskStreamBatch) => {
  await runtime.aggregateTaskEffects(event);
  return { state: {} };
};
