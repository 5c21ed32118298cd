// Settings shared by every Lambda function of the router.
// Options: https://sst.dev/docs/component/aws/function
import { adminKey, providersConfig } from "./secrets";
import { table } from "./storage";
import { workQueue } from "./queue";

/** Handlers live in packages/functions/src/handlers/<name>.ts and export `handler`. */
const HANDLERS_DIR = "packages/functions/src/handlers";

type HandlerName = "api" | "worker" | "sweeper";

interface FunctionSettings {
  timeout: `${number} seconds`;
  memory: `${number} MB`;
  /** Retries of asynchronous invocations (0-2); only the scheduled sweeper is invoked that way. */
  retries?: number;
}

/**
 * What each function is linked to, and nothing more: the code reads these through `Resource`
 * from "sst" (packages/functions/src/handlers/aws-settings.ts), and a link also grants the
 * function its IAM permissions on the table and the queue. All three use the table and the queue
 * (the API enqueues submits, the worker polls, the sweeper re-enqueues stuck tasks); only the API
 * checks the admin key; the sweeper never calls an upstream, so it does not see their keys.
 */
const LINKS = {
  api: [table, workQueue, adminKey, providersConfig],
  worker: [table, workQueue, providersConfig],
  sweeper: [table, workQueue],
} satisfies Record<HandlerName, unknown[]>;

/** The arguments of one router function. */
export function routerFunction(name: HandlerName, settings: FunctionSettings) {
  return {
    handler: `${HANDLERS_DIR}/${name}.handler`,
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
