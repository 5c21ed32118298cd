/**
 * `pnpm start`: the local stack on PORT (default 8787), its data kept under ROUTER_DATA_DIR
 * (default `.data/` at the repository root; ROUTER_IN_MEMORY=1 keeps nothing). Prints the API
 * URL, where to read the admin and demo keys, and a curl line to try.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startLocalStack } from "./stack.ts";

const DEFAULT_DATA_DIR = fileURLToPath(new URL("../../../.data", import.meta.url));
const inMemory = process.env.ROUTER_IN_MEMORY === "1";

const port = Number(process.env.PORT ?? 8787);
const stack = await startLocalStack({
  port,
  ...(inMemory ? {} : { dataDir: process.env.ROUTER_DATA_DIR || DEFAULT_DATA_DIR }),
  ...(process.env.ROUTER_ADMIN_KEY ? { adminKey: process.env.ROUTER_ADMIN_KEY } : {}),
  ...(process.env.ROUTER_PROVIDERS_FILE ? { providersFile: process.env.ROUTER_PROVIDERS_FILE } : {}),
  ...(process.env.ROUTER_EXPLORATION_SHARE ? { explorationShare: Number(process.env.ROUTER_EXPLORATION_SHARE) } : {}),
  // The 2Captcha-protocol sandboxes behave like the service: its request limits, pingback only to registered hosts.
  twocaptchaSandbox: { enforceLimits: true, requirePingbackRegistration: true },
  ...(process.env.ROUTER_CALLBACK_ALLOW_PRIVATE ? { callbackAllowPrivate: process.env.ROUTER_CALLBACK_ALLOW_PRIVATE !== "0" } : {}),
});

const lines = [
  "",
  `solver-router is running at ${stack.apiUrl}`,
  `  providers: ${stack.providers.map((p) => `${p.id} (${p.protocol}${Object.keys(stack.sandboxes).length ? ", sandbox" : ""})`).join(", ")}`,
  `  DynamoDB Local: ${stack.endpoints.dynamodb}   SQS (fauxqs): ${stack.endpoints.sqs}`,
  `  data: ${stack.data ? stack.data.dir : "in memory (ROUTER_IN_MEMORY=1): gone when this process stops"}`,
];
if (process.env.ROUTER_ADMIN_KEY) lines.push("  admin key: from ROUTER_ADMIN_KEY");
else if (stack.data?.adminKeyFile) lines.push(`  admin key: cat ${stack.data.adminKeyFile}`);
else lines.push(`  admin key (generated for this run): ${stack.adminKey}`);
// The demo key is printed only where it exists nowhere else: kept data has it in a file.
const demoFile = stack.data && existsSync(stack.data.demoKeyFile) ? stack.data.demoKeyFile : undefined;
const demoKey = demoFile ? `$(cat ${demoFile})` : stack.demo?.apiKey;
if (demoFile) lines.push(`  demo team key (the team was created on the first start): cat ${demoFile}`);
else if (stack.demo) lines.push(`  demo team ${stack.demo.teamId}, key: ${stack.demo.apiKey}`);
if (demoKey) {
  lines.push(
    "",
    "Try it:",
    `  curl -s -X POST ${stack.apiUrl}/v2/solver/recaptcha/v2 -H "Authorization: Bearer ${demoKey}" -H "Content-Type: application/json" -d '{"site_key":"6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-","page_url":"https://example.com/login"}'`,
    `  curl -s ${stack.apiUrl}/v2/solver/result/<task_id> -H "Authorization: Bearer ${demoKey}"`,
  );
}
lines.push(`  OpenAPI: ${stack.apiUrl}/v2/openapi.json   docs: ${stack.apiUrl}/docs`, "");
console.log(lines.join("\n"));

const shutdown = async () => {
  await stack.stop();
  process.exit(0);
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
