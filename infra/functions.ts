// Settings shared by every Lambda function of the router.
// Options: https://sst.dev/docs/component/aws/function
import { adminKey, providersConfig } from "./secrets";
import { table } from "./storage";
import { deadLetterQueue, workQueue } from "./queue";
import { HANDLERS, HANDLERS_DIR, type HandlerBuild, type HandlerName } from "./handlers";

interface FunctionSettings {
  timeout: `${number} seconds`;
  memory: `${number} MB`;
  /** Retries of asynchronous invocations (0-2); only the scheduled functions are invoked that way. */
  retries?: number;
}

/**
 * A fixed function name per stage, so the alarms (alarms.ts) can name each function's metrics.
 * Lambda allows 64 characters: the app name and handler take 31, leaving 33 for the stage.
 */
export const functionName = (name: HandlerName) => `${$app.name}-${$app.stage}-${name}`;

/**
 * What each function is linked to, and nothing more: the code reads these through `Resource`
 * from "sst" (packages/functions/src/handlers/aws-settings.ts), and a link also grants the
 * function its IAM permissions on the table and the queues. The API enqueues submits, checks the
 * admin key and redrives the dead-letter queue (POST /v2/admin/dlq/redrive); the worker talks to
 * the upstreams and enqueues steps; the sweeper re-enqueues stuck tasks and never calls an
 * upstream, so it does not see their keys; the task-effects aggregator writes the table (the
 * queue link only names it for the shared settings); the provider monitor reads balances.
 */
const LINKS = {
  api: [table, workQueue, deadLetterQueue, adminKey, providersConfig],
  worker: [table, workQueue, providersConfig],
  sweeper: [table, workQueue],
  "task-effects": [table, workQueue],
  "provider-monitor": [table, workQueue, providersConfig],
} satisfies Record<HandlerName, unknown[]>;

/** The arguments of one router function. */
export function routerFunction(name: HandlerName, settings: FunctionSettings) {
  const install = (HANDLERS[name] as HandlerBuild).install ?? [];
  return {
    handler: `${HANDLERS_DIR}/${name}.handler`,
    ...(install.length ? { nodejs: { install: [...install] } } : {}),
    name: functionName(name),
    // Not nodejs20.x, although Node 20 is what the project is developed and tested on: Lambda
    // deprecated nodejs20.x on 2026-04-30 and has refused to create functions with it since
    // 2026-08-31 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), so a new
    // stage could not deploy. Node 22 is the nearest runtime Lambda still accepts (deprecation
    // announced for 2027-04-30) and runs code written for Node 20.
    runtime: "nodejs22.x" as const,
    // Graviton: 20% cheaper per GB-second than x86_64; the dependencies are plain JavaScript, so
    // nothing needs an arm64 build.
    architecture: "arm64" as const,
    link: LINKS[name],
    ...settings,
  };
}
