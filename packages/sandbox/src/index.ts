/** Sandbox upstreams: local HTTP servers that follow the upstream documents, for the local stack and tests. */
export * from "./twocaptcha-sandbox.ts";
export * from "./acedata-sandbox.ts";
export * from "./solverv2-sandbox.ts";
