export { RouterClient, type RouterClientOptions, type SolveOptions, type SolvedTask, type SubmitOptions } from "./router-client.ts";
export { AdminClient, type AdminClientOptions } from "./admin-client.ts";
export { RouterApiError, SolveTimeoutError, TaskFailedError } from "./errors.ts";
export { redact, type Query } from "./http.ts";
export type * from "./types.ts";
