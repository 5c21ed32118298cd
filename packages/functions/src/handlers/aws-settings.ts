/**
 * Settings in Lambda: everything comes from SST links and secrets (infra/), read once per
 * container. The providers file is the ProvidersConfig secret (it holds upstream keys).
 */
import { parseProvidersFile } from "@solver-router/core";
import { Resource } from "sst";
import { createRuntime } from "../runtime.ts";

const resources = Resource as unknown as {
  RouterTable: { name: string };
  WorkQueue: { url: string };
  AdminKey: { value: string };
  ProvidersConfig: { value: string };
};

export const runtime = createRuntime({
  tableName: resources.RouterTable.name,
  queueUrl: resources.WorkQueue.url,
  providers: parseProvidersFile(JSON.parse(resources.ProvidersConfig.value)),
  explorationShare: Number(process.env.ROUTER_EXPLORATION_SHARE ?? 0.02),
  // On AWS callbacks go to public https addresses only, unless the deployment says otherwise.
  callbackPolicy: { allowPrivate: process.env.ROUTER_CALLBACK_ALLOW_PRIVATE === "1", httpsOnly: true },
});

export const adminKey = resources.AdminKey.value;
