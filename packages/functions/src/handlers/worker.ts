/** Lambda entry of the worker (SQS event source, ReportBatchItemFailures). */
import { createWorkerHandler } from "../queue-handlers.ts";
import { runtime } from "./aws-settings.ts";

export const handler = createWorkerHandler(runtime.ctx);
