// The public HTTPS API: one HTTP API whose every request goes to the Hono app in the api handler,
// which does its own routing, validation and auth.
// Options: https://sst.dev/docs/component/aws/apigatewayv2
import { routerFunction } from "./functions";

/**
 * Stage throttling: API Gateway's token bucket, shared by every Lambda instance behind it, caps
 * the whole API at STAGE_RATE_LIMIT requests/s (bursts of STAGE_BURST_LIMIT) before any function
 * runs. Behind it each instance keeps its own limits (packages/functions/src/api/rate-limit.ts:
 * 100 requests/s per team, bursts of 300; per source address before authentication): n warm
 * instances let one team through at most n × 100 requests/s, never more than the stage's 500.
 * A team's limit is therefore per instance, bounded in total by the stage; the instance count
 * itself follows the traffic the stage lets through.
 */
export const STAGE_RATE_LIMIT = 500;
export const STAGE_BURST_LIMIT = 1000;

export const api = new sst.aws.ApiGatewayV2("Api", {
  transform: {
    stage: { defaultRouteSettings: { throttlingRateLimit: STAGE_RATE_LIMIT, throttlingBurstLimit: STAGE_BURST_LIMIT } },
  },
});

// "$default" is API Gateway's catch-all route: every method and path reaches the Hono app.
api.route(
  "$default",
  routerFunction("api", {
    // API Gateway HTTP APIs wait at most 30 seconds for an integration. A longer timeout would
    // let the function keep running, and keep committing work, after the client was already
    // answered 503; at 29 seconds the function stops first.
    timeout: "29 seconds",
    memory: "512 MB",
  }),
);
