/** Lambda entry of the HTTP API (API Gateway HTTP API → Hono). */
import { handle } from "hono/aws-lambda";
import { createApi } from "../api/app.ts";
import { adminKeySecret, awsRuntime } from "./aws-settings.ts";

const runtime = awsRuntime({ providers: true, deadLetters: true });

export const handler = handle(
  createApi(runtime.ctx, { adminKey: adminKeySecret(), checkHealth: runtime.checkHealth, ...(runtime.deadLetters ? { deadLetters: runtime.deadLetters } : {}) }),
);
