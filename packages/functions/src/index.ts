export { createApi, MAX_BODY_BYTES } from "./api/app.ts";
export { createRuntime, type Runtime } from "./runtime.ts";
export { createWorkerHandler } from "./queue-handlers.ts";
export { createProviderMonitorHandler } from "./provider-monitor.ts";
export { jsonLogger, quietLogger } from "./logger.ts";
export * from "./aws/table-definition.ts";
export { BODY_TOO_LARGE } from "./api/errors.ts";
export { OBSERVATION_SHARDS } from "./aws/dynamo-provider-state-store.ts";
