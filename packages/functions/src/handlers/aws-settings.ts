/**
 * Settings in Lambda: everything comes from SST links and secrets (infra/), read once per
 * container. Each function reads only what it is linked to (infra/functions.ts): the providers
 * file (the ProvidersConfig secret, upstream keys inside) only where upstreams are called, the
 * admin key only in the API.
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

/**
 * The router's runtime. `providers: false` for functions that never call an upstream (the
 * sweeper, the aggregator); `deadLetters: true` only for the API (the only function linked to
 * the dead-letter queue: reading an unlinked Resource throws).
 */
export function awsRuntime(needs: { providers: boolean; deadLetters?: boolean }) {
  return createRuntime({
    tableName: resources.RouterTable.name,
    queueUrl: resources.WorkQueue.url,
    ...(needs.deadLetters ? { deadLetterQueueUrl: resources.WorkQueueDlq.url } : {}),
    metrics: createEmfMetrics(),
    providers: needs.providers ? parseProvidersFile(JSON.parse(resources.ProvidersConfig.value)) : [],
    explorationShare: Number(process.env.ROUTER_EXPLORATION_SHARE ?? 0.02),
    // Upstream pingbacks come back to the API (infra/worker.ts passes its URL).
    ...(process.env.ROUTER_PUBLIC_URL ? { publicUrl: process.env.ROUTER_PUBLIC_URL } : {}),
    // On AWS callbacks go to public https addresses only, unless the deployment says otherwise.
    callbackPolicy: { allowPrivate: process.env.ROUTER_CALLBACK_ALLOW_PRIVATE === "1", httpsOnly: true },
  });
}

/** ROUTER_ADMIN_KEY: only the API function is linked to it. */
export const adminKeySecret = (): string => resources.AdminKey.value;
