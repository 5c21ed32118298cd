/** Lambda entry of the HTTP API (API Gateway HTTP API → Hono). */
import { handle } from "hono/aws-lambda";
import { createApi } from "../api/app.ts";
import { adminKey, runtime } from "./aws-settings.ts";

export const handler = handle(createApi(runtime.ctx, { adminKey, checkHealth: runtime.checkHealth, ...(runtime.deadLetters ? { deadLetters: runtime.deadLetters } : {}) }));
