// The public HTTPS API: one HTTP API whose every request goes to the Hono app in the api handler,
// which does its own routing, validation and auth.
// Options: https://sst.dev/docs/component/aws/apigatewayv2
import { routerFunction } from "./functions";

export const api = new sst.aws.ApiGatewayV2("Api");

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
