/**
 * The AWS list prices the cost model uses (us-east-1, on-demand, arm64 Lambda),
 * and the Lambda memory sizes read from infra/ so the model follows the deployed configuration.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const PRICES = {
  dynamoWriteUnitPerMillion: 0.625,
  dynamoReadUnitPerMillion: 0.125,
  sqsRequestPerMillion: 0.4,
  lambdaInvocationPerMillion: 0.2,
  lambdaGbSecond: 0.0000133334,
  httpApiRequestPerMillion: 1.0,
} as const;

/** Per-task figures the bill is made from. */
export interface PerTask {
  writeUnits: number;
  readUnits: number;
  sqsRequests: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  apiRequests: number;
}

/** Dollars per million tasks, by service. */
export function billPerMillionTasks(perTask: PerTask) {
  const dynamo = perTask.writeUnits * PRICES.dynamoWriteUnitPerMillion + perTask.readUnits * PRICES.dynamoReadUnitPerMillion;
  const sqs = perTask.sqsRequests * PRICES.sqsRequestPerMillion;
  const lambda = perTask.lambdaInvocations * PRICES.lambdaInvocationPerMillion + perTask.lambdaGbSeconds * PRICES.lambdaGbSecond * 1_000_000;
  const httpApi = perTask.apiRequests * PRICES.httpApiRequestPerMillion;
  return { dynamo, sqs, lambda, httpApi, total: dynamo + sqs + lambda + httpApi };
}

/** The `memory: "N MB"` an infra/ file gives its function, in MB. */
export function infraMemoryMb(file: "api.ts" | "worker.ts" | "sweeper.ts"): number {
  const text = readFileSync(fileURLToPath(new URL(`../../../infra/${file}`, import.meta.url)), "utf8");
  const match = /memory:\s*["'`](\d+)\s*MB["'`]/.exec(text);
  if (!match) throw new Error(`no memory setting found in infra/${file}`);
  return Number(match[1]);
}
