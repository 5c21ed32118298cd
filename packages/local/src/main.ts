/**
 * `pnpm start`: the local stack on PORT (default 8787). Prints the API URL, the admin and
 * demo keys (they exist only in this process's in-memory database) and a curl line to try.
 */
import { startLocalStack } from "./stack.ts";

const port = Number(process.env.PORT ?? 8787);
const stack = await startLocalStack({
  port,
  ...(process.env.ROUTER_ADMIN_KEY ? { adminKey: process.env.ROUTER_ADMIN_KEY } : {}),
  ...(process.env.ROUTER_PROVIDERS_FILE ? { providersFile: process.env.ROUTER_PROVIDERS_FILE } : {}),
  ...(process.env.ROUTER_EXPLORATION_SHARE ? { explorationShare: Number(process.env.ROUTER_EXPLORATION_SHARE) } : {}),
  ...(process.env.ROUTER_CALLBACK_ALLOW_PRIVATE ? { callbackAllowPrivate: process.env.ROUTER_CALLBACK_ALLOW_PRIVATE !== "0" } : {}),
});

const lines = [
  "",
  `solver-router is running at ${stack.apiUrl}`,
  `  providers: ${stack.providers.map((p) => `${p.id} (${p.protocol}${Object.keys(stack.sandboxes).length ? ", sandbox" : ""})`).join(", ")}`,
  `  DynamoDB Local: ${stack.endpoints.dynamodb}   SQS (fauxqs): ${stack.endpoints.sqs}`,
  process.env.ROUTER_ADMIN_KEY ? "  admin key: from ROUTER_ADMIN_KEY" : `  admin key (generated for this run): ${stack.adminKey}`,
];
if (stack.demo) {
  lines.push(
    `  demo team ${stack.demo.teamId}, key: ${stack.demo.apiKey}`,
    "",
    "Try it:",
    `  curl -s -X POST ${stack.apiUrl}/v2/solver/recaptcha/v2 -H "Authorization: Bearer ${stack.demo.apiKey}" -H "Content-Type: application/json" -d '{"site_key":"6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-","page_url":"https://example.com/login"}'`,
    `  curl -s ${stack.apiUrl}/v2/solver/result/<task_id> -H "Authorization: Bearer ${stack.demo.apiKey}"`,
  );
}
lines.push(`  OpenAPI: ${stack.apiUrl}/v2/openapi.json`, "");
console.log(lines.join("\n"));

const shutdown = async () => {
  await stack.stop();
  process.exit(0);
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
