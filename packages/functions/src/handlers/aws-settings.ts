/**
 * Settings in Lambda: everything comes from SST links and secrets (infra/), read once per
 * container. The providers file is the ProvidersConfig secret (it holds upstream keys).
 */
import { parseProvidersFile } from "@solver-router/core";
import { Resource } from "sst";
import { createEmfMetrics } from "../metrics/emf.ts";
import { createRuntime } from "../runtime.ts";

const resources = Resource as unknown as {
  RouterTable: { name: string };
  WorkQueue: { url: string };
  WorkQueueDlq: { url: string };
  AdminKey: { value: string };
  ProvidersConfig: { value: string };
};

export const runtime = createRuntime({
  tableName: resources.RouterTable.name,
  queueUrl: resources.WorkQueue.url,
  deadLetterQueueUrl: resources.WorkQueueDlq.url,
  metrics: createEmfMetrics(),
  providers: parseProvidersFile(JSON.parse(resources.ProvidersConfig.value)),
  explorationShare: Number(process.env.ROUTER_EXPLORATION_SHARE ?? 0.02),
  ...(process.env.ROUTER_PUBLIC_URL ? { publicUrl: process.env.ROUTER_PUBLIC_URL } : {}),
});

export const adminKey = resources.AdminKey.value;
