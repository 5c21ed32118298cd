/**
 * The embedded default: everything the router needs on one machine, no AWS account and no
 * Docker — DynamoDB Local, the fauxqs SQS stand-in, the sandbox upstreams (unless a providers
 * file is given), the API on a local port and a loop feeding queue messages to the same worker
 * handler Lambda runs. Used by `pnpm start` and by the end-to-end tests.
 */
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createServer as createHttpServer, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import {
  createTeam,
  generateApiKey,
  parseProvidersFile,
  sweepOverdueTasks,
  type Logger,
  type Provider,
  type RouterContext,
} from "@solver-router/core";
import { BODY_TOO_LARGE, MAX_BODY_BYTES, createApi, createRuntime, createWorkerHandler, jsonLogger } from "@solver-router/functions";
import { launchProviders } from "@solver-router/providers";
import { startAcedataSandbox, startSolverv2Sandbox, startTwocaptchaSandbox } from "@solver-router/providers/sandbox";
import { startFauxqs } from "fauxqs";
import { ensureQueues, ensureTable } from "./bootstrap.ts";
import { startDynamoDbLocal } from "./dynamodb-local.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION, TABLE_NAME } from "./local-aws.ts";
import { startWorkerLoop } from "./worker-loop.ts";

export interface LocalStackOptions {
  port?: number; // 0 = any free port
  adminKey?: string;
  providersFile?: string;
  logger?: Logger;
  explorationShare?: number;
  /** Demo team credits when the table has no team yet (credits). */
  demoCredits?: number;
  sweepIntervalMs?: number;
  workerConcurrency?: number;
}

export interface LocalStack {
  apiUrl: string;
  adminKey: string;
  demo?: { teamId: string; apiKey: string };
  providers: readonly Provider[];
  ctx: RouterContext;
  sandboxes: {
    twocaptcha?: Awaited<ReturnType<typeof startTwocaptchaSandbox>>;
    solvecaptcha?: Awaited<ReturnType<typeof startTwocaptchaSandbox>>;
    acedata?: Awaited<ReturnType<typeof startAcedataSandbox>>;
    solverv2?: Awaited<ReturnType<typeof startSolverv2Sandbox>>;
  };
  endpoints: { dynamodb: string; sqs: string; queueUrl: string; dlqUrl: string };
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logger = options.logger ?? jsonLogger;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
  };
  try {
    const [dynamoDb, fauxqs] = await Promise.all([
      freePort().then(startDynamoDbLocal),
      startFauxqs({ port: 0, host: "127.0.0.1", logger: false }),
    ]);
    stops.push(() => dynamoDb.stop(), () => fauxqs.stop());
    const sqsEndpoint = `http://127.0.0.1:${fauxqs.port}`;

    const sandboxes: LocalStack["sandboxes"] = {};
    let providers: Provider[];
    if (options.providersFile) {
      providers = parseProvidersFile(JSON.parse(await readFile(options.providersFile, "utf8")));
    } else {
      const sandboxKey = generateApiKey();
      const [twocaptcha, solvecaptcha, acedata, solverv2] = await Promise.all([
        startTwocaptchaSandbox({ port: 0, apiKey: sandboxKey, name: "2captcha" }),
        startTwocaptchaSandbox({ port: 0, apiKey: sandboxKey, name: "solvecaptcha" }),
        startAcedataSandbox({ port: 0, apiKey: sandboxKey, name: "acedata" }),
        startSolverv2Sandbox({ port: 0, apiKey: sandboxKey, name: "solverv2" }),
      ]);
      Object.assign(sandboxes, { twocaptcha, solvecaptcha, acedata, solverv2 });
      stops.push(() => twocaptcha.close(), () => solvecaptcha.close(), () => acedata.close(), () => solverv2.close());
      providers = launchProviders(
        { twocaptcha: twocaptcha.url, solvecaptcha: solvecaptcha.url, acedata: acedata.url, solverv2: solverv2.url },
        { twocaptcha: sandboxKey, acedata: sandboxKey, solverv2: sandboxKey },
      );
    }

    const aws = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const clients = { dynamo: new DynamoDBClient({ ...aws, endpoint: dynamoDb.endpoint }), sqs: new SQSClient({ ...aws, endpoint: sqsEndpoint }) };
    await ensureTable(clients.dynamo);
    const { queueUrl, dlqUrl } = await ensureQueues(clients.sqs);
    const runtime = createRuntime({
      tableName: TABLE_NAME,
      queueUrl,
      providers,
      clients,
      logger,
      ...(options.explorationShare !== undefined ? { explorationShare: options.explorationShare } : {}),
    });
    const { ctx } = runtime;

    const adminKey = options.adminKey || generateApiKey();
    let demo: LocalStack["demo"];
    if ((await ctx.teams.listTeams()).length === 0) {
      const created = await createTeam(ctx, { name: "demo", credits: options.demoCredits ?? 100 });
      demo = { teamId: created.team_id, apiKey: created.api_key };
    }

    const app = createApi(ctx, { adminKey, checkHealth: runtime.checkHealth });
    const server = await listen(app.fetch, options.port ?? 8787);
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections(); // keep-alive clients would hold close() open
        }),
    );
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const { Attributes } = await runtime.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
    const loop = startWorkerLoop({
      sqs: runtime.sqs,
      queueUrl,
      queueArn: Attributes!.QueueArn!,
      handler: createWorkerHandler(ctx),
      concurrency: options.workerConcurrency ?? 4,
      onError: (error) => logger.error("worker loop", { error: String(error) }),
    });
    stops.push(() => loop.stop());
    const sweeper = setInterval(() => {
      sweepOverdueTasks(ctx).catch((error) => logger.error("sweeper", { error: String(error) }));
    }, options.sweepIntervalMs ?? 30_000);
    stops.push(async () => clearInterval(sweeper));

    return {
      apiUrl,
      adminKey,
      ...(demo ? { demo } : {}),
      providers,
      ctx,
      sandboxes,
      endpoints: { dynamodb: dynamoDb.endpoint, sqs: sqsEndpoint, queueUrl, dlqUrl },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The API on a local port. A body announced as over the limit is read to its end before the 413
 * goes out: answering while the client is still sending and then closing the socket (what the
 * node adapter does after 500 ms) makes many clients report a reset instead of the 413. In AWS,
 * API Gateway has read the whole body before Lambda answers.
 */
async function listen(fetch: Parameters<typeof getRequestListener>[0], port: number): Promise<Server> {
  const hono = getRequestListener(fetch);
  const server = createHttpServer((request, response) => {
    if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
      request.resume();
      request.once("end", () => {
        response.writeHead(413, { "content-type": "application/json" });
        response.end(JSON.stringify({ detail: BODY_TOO_LARGE }));
      });
      return;
    }
    void hono(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
