/** Lambda entry of the task-effects aggregator (the table's stream, with a tumbling window that names the shard). */
import type { TaskStreamBatch } from "../aws/task-effects-aggregator.ts";
import { runtime } from "./aws-settings.ts";

export const handler = async (event: TaskStreamBatch) => {
  await runtime.aggregateTaskEffects(event);
  return { state: {} };
};
