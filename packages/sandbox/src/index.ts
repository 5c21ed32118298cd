/** Sandbox upstreams: local HTTP servers that follow the upstream documents, for the local stack and tests. */
export * from "./twocaptcha-sandbox.ts";
export * from "./acedata-sandbox.ts";
export * from "./solverv2-sandbox.ts";
export * from "./solve-times.ts";
export { DOCUMENTED_TWOCAPTCHA_LIMITS, type TwocaptchaBlock, type TwocaptchaLimitCounters, type TwocaptchaLimitRules } from "./twocaptcha-limits.ts";
export type { PingbackOutcome } from "./twocaptcha-pingback.ts";
