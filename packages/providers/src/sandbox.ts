/** Sandbox upstreams: local HTTP servers that follow the upstream documents, for the local stack and tests. */
export * from "./sandbox/twocaptcha-sandbox.ts";
export * from "./sandbox/acedata-sandbox.ts";
export * from "./sandbox/solverv2-sandbox.ts";
