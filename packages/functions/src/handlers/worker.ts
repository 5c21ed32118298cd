/** Lambda entry of the worker (SQS event source, ReportBatchItemFailures). */
import { createWorkerHandler } from "../queue-handlers.ts";
import { awsRuntime } from "./aws-settings.ts";

export const handler = createWorkerHandler(awsRuntime({ providers: true }).ctx);
