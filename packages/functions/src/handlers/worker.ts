/** Lambda entry of the worker (SQS event source, ReportBatchItemFailures). */
import { createWorkerHandler } from "../worker.ts";
import { runtime } from "./aws-settings.ts";

export const handler = createWorkerHandler(runtime.ctx);
