/**
 * The embedded default: everything the router needs on one machine, no AWS account and no
 * Docker — DynamoDB Local, the fauxqs SQS stand-in, the sandbox upstreams (unless a providers
 * file is given), the API on a local port and a loop feeding queue messages to the same worker
 * handler Lambda runs. Used by `pnpm start` and by the end-to-end tests.
 */
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createServer as createHttpServer, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import {
  createTeam,
  generateApiKey,
  parseProvidersFile,
  type Logger,
  type Provider,
  type RouterContext,
} from "@solver-router/core";
import {
  BODY_TOO_LARGE,
  MAX_BODY_BYTES,
  createApi,
  createRuntime,
  jsonLogger,
} from "@solver-router/functions";
import { startAcedataSandbox, startSolverv2Sandbox, startTwocaptchaSandbox, type TwocaptchaSandboxOptions } from "@solver-router/sandbox";
import { launchProviders } from "@solver-router/providers";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { ensureQueues, ensureTable } from "./bootstrap.ts";
import {
  ADMIN_KEY_FILE,
  DEMO_KEY_FILE,
  dynamoDbCredentials,
  lockDataDir,
  openDataDir,
  randomDynamoDbCredentials,
  saveDemoKey,
  storedAdminKey,
  type DynamoDbCredentials,
} from "./data-dir.ts";
import { startDynamoDbLocal } from "./dynamodb-local.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION, TABLE_NAME } from "./local-aws.ts";
import { requeueOpenTasks } from "./recovery.ts";
import { startStreamLoop } from "./stream-loop.ts";
import { startWorkerSide } from "./worker-side.ts";

export interface LocalStackOptions {
  port?: number; // 0 = any free port
  /**
   * Where DynamoDB Local keeps its data and the stack its secrets, so that a restart finds them
   * again (data-dir.ts). Unset: everything in memory, gone when the stack stops (the tests).
   */
  dataDir?: string;
  /** Unset: the key kept in the data directory (generated on the first start), or a new one in memory. */
  adminKey?: string;
  providersFile?: string;
  logger?: Logger;
  explorationShare?: number;
  /** Demo team credits when the table has no team yet (credits). */
  demoCredits?: number;
  sweepIntervalMs?: number;
  /** How often upstream balances are read (default 5 minutes, like infra/provider-monitor.ts); the first read is at start. */
  providerCheckIntervalMs?: number;
  workerConcurrency?: number;
  /** Connections the worker side keeps to DynamoDB Local at most (default 4; the API's are not limited). */
  workerDynamoConnections?: number;
  /** The worker's batching window (default 400 ms). */
  workerBatchWindowMs?: number;
  /**
   * The router's public URL for upstream pingbacks (default ROUTER_PUBLIC_URL, else the API's own
   * URL); false turns pingback off, so upstreams are polled.
   */
  publicUrl?: string | false;
  /** false: no worker loop and no sweeper; the caller handles the queue (the Lambda bundle test invokes the bundled worker). */
  worker?: boolean;

  /** Options for the two 2Captcha-protocol sandboxes (request limits, pingback registration, solve times). */
  twocaptchaSandbox?: Omit<TwocaptchaSandboxOptions, "port" | "apiKey" | "name">;
  /** Benchmark hooks: instrument the AWS clients before first use, and hear of each worker invocation and API request. */
  instrumentClients?: (clients: { dynamo: DynamoDBClient; sqs: SQSClient }) => void;
  onWorkerInvocation?: (invocation: { durationMs: number; records: number }) => void;
  onApiRequest?: (request: { durationMs: number }) => void;
  /** Callbacks may go to loopback and private addresses (default true: local development calls back to localhost). */
  callbackAllowPrivate?: boolean;
}

export interface LocalStack {
  apiUrl: string;
  adminKey: string;
  /** Set when the stack keeps its data: the directory, and the files holding the keys to read. */
  data?: { dir: string; adminKeyFile?: string; demoKeyFile: string };
  /** The demo team, when this start created it (only the first start on a data directory does). */
  demo?: { teamId: string; apiKey: string };
  providers: readonly Provider[];
  ctx: RouterContext;
  sandboxes: {
    twocaptcha?: Awaited<ReturnType<typeof startTwocaptchaSandbox>>;
    solvecaptcha?: Awaited<ReturnType<typeof startTwocaptchaSandbox>>;
    acedata?: Awaited<ReturnType<typeof startAcedataSandbox>>;
    solverv2?: Awaited<ReturnType<typeof startSolverv2Sandbox>>;
  };
  /** `dynamodbCredentials`: the only credentials that see the stack's tables in DynamoDB Local. */
  endpoints: { dynamodb: string; dynamodbCredentials: DynamoDbCredentials; sqs: string; queueUrl: string; dlqUrl: string };
  /**
   * The SQS stand-in's server, as an outage would take it. `stop()` shuts fauxqs down: its port
   * refuses connections, as an unreachable SQS does (submits answer 503, the worker loop keeps
   * retrying). `start()` starts it again on the same port, so `endpoints` and every client stay
   * valid; fauxqs keeps messages in memory only, so it creates the queues again and queues each
   * unfinished task's current step again, as a start on kept data does (recovery.ts).
   */
  sqsServer: { stop(): Promise<void>; start(): Promise<void> };
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logger = options.logger ?? jsonLogger;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
  };
  try {
    const dataDir = options.dataDir ? await openDataDir(resolve(options.dataDir)) : undefined;
    if (dataDir) stops.push(await lockDataDir(dataDir.dir));
    const dynamodbCredentials = dataDir ? await dynamoDbCredentials(dataDir.dir) : randomDynamoDbCredentials();
    const [dynamoDb, firstFauxqs] = await Promise.all([
      freePort().then((port) =>
        startDynamoDbLocal({
          port,
          credentials: dynamodbCredentials,
          workDir: dataDir?.dir ?? tmpdir(),
          ...(dataDir ? { dbPath: dataDir.dynamodbDir } : {}),
        }),
      ),
      startFauxqs({ port: 0, host: "127.0.0.1", logger: false }),
    ]);
    let fauxqs: FauxqsServer | undefined = firstFauxqs;
    const stopFauxqs = async () => {
      const running = fauxqs;
      fauxqs = undefined;
      await running?.stop();
    };
    stops.push(() => dynamoDb.stop(), stopFauxqs);
    const sqsPort = firstFauxqs.port;
    const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;

    const sandboxes: LocalStack["sandboxes"] = {};
    let providers: Provider[];
    if (options.providersFile) {
      providers = parseProvidersFile(JSON.parse(await readFile(options.providersFile, "utf8")));
    } else {
      const sandboxKey = generateApiKey();
      const [twocaptcha, solvecaptcha, acedata, solverv2] = await Promise.all([
        startTwocaptchaSandbox({ ...options.twocaptchaSandbox, port: 0, apiKey: sandboxKey, name: "2captcha" }),
        startTwocaptchaSandbox({ ...options.twocaptchaSandbox, port: 0, apiKey: sandboxKey, name: "solvecaptcha" }),
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

    // The API and the worker side (worker-side.ts, and the stream loop below) each have their own
    // clients and runtime, as they are separate functions on AWS. The worker side talks to
    // DynamoDB Local over a few connections only (4 by default): DynamoDB Local serves about one
    // core's worth of requests, so a worker batch of 100 concurrent steps would otherwise queue
    // every API request behind it (bench:load at 300 submits/s: p99 about 200 ms with 4, about
    // 300 ms with 8, over 1 s unlimited). Under a burst the worker trails the submits (the queue
    // holds the rest) instead of slowing them.
    const localClients = (dynamoConnections?: number) => {
      const clients = {
        dynamo: new DynamoDBClient({
          region: LOCAL_REGION,
          credentials: dynamodbCredentials,
          endpoint: dynamoDb.endpoint,
          ...(dynamoConnections ? { requestHandler: { httpAgent: { keepAlive: true, maxSockets: dynamoConnections } } } : {}),
        }),
        sqs: new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: sqsEndpoint }),
      };
      options.instrumentClients?.(clients);
      return clients;
    };
    const clients = localClients();
    const workerClients = localClients(options.workerDynamoConnections ?? 4);
    await ensureTable(clients.dynamo);
    const { queueUrl, dlqUrl } = await ensureQueues(clients.sqs);
    const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
    // The books (usage, ledger, task counts) are read once the stream loop has caught up.
    let booksCaughtUp = async () => {};
    const runtimeOn = (sideClients: typeof clients) =>
      createRuntime({
        booksCaughtUp: () => booksCaughtUp(),
        tableName: TABLE_NAME,
        queueUrl,
        deadLetterQueueUrl: dlqUrl,
        providers,
        clients: sideClients,
        logger,
        ...(options.explorationShare !== undefined ? { explorationShare: options.explorationShare } : {}),
        callbackPolicy: { allowPrivate: options.callbackAllowPrivate ?? true, httpsOnly: false },
      });
    const runtime = runtimeOn(clients);
    const workers = runtimeOn(workerClients);
    const { ctx } = runtime;

    const adminKey = options.adminKey || (dataDir ? await storedAdminKey(dataDir.dir) : generateApiKey());
    let demo: LocalStack["demo"];
    if ((await ctx.teams.listTeams()).length === 0) {
      const created = await createTeam(ctx, { name: "demo", credits: options.demoCredits ?? 100 });
      demo = { teamId: created.team_id, apiKey: created.api_key };
      if (dataDir) await saveDemoKey(dataDir.dir, demo.apiKey);
    }
    // The queue stand-in starts empty: the messages of tasks that were in flight when the stack
    // stopped are gone. Queue each unfinished task's current step again (a duplicate does nothing).
    if (dataDir) await requeueOpenTasks(ctx);

    const app = createApi(ctx, { adminKey, checkHealth: runtime.checkHealth, ...(runtime.deadLetters ? { deadLetters: runtime.deadLetters } : {}) });
    const server = await listen(options.onApiRequest ? timed(app.fetch, options.onApiRequest) : app.fetch, options.port ?? 8787);
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections(); // keep-alive clients would hold close() open
        }),
    );
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const publicUrl = options.publicUrl === false ? undefined : (options.publicUrl ?? process.env.ROUTER_PUBLIC_URL ?? apiUrl);
    if (publicUrl) ctx.publicUrl = workers.ctx.publicUrl = publicUrl;

    const streams = new DynamoDBStreamsClient({ region: LOCAL_REGION, credentials: dynamodbCredentials, endpoint: dynamoDb.endpoint });
    const streamLoop = startStreamLoop({
      dynamo: workers.dynamo,
      streams,
      tableName: TABLE_NAME,
      handler: (batch) => workers.aggregateTaskEffects(batch as Parameters<typeof workers.aggregateTaskEffects>[0]),
      onError: (error) => logger.error("stream loop", { error: String(error) }),
    });
    stops.push(() => streamLoop.stop());
    booksCaughtUp = () => streamLoop.caughtUp();

    if (options.worker !== false) {
      stops.push(
        startWorkerSide(
          workers,
          {
            queueUrl,
            queueArn: Attributes!.QueueArn!,
            ...(options.workerConcurrency !== undefined ? { concurrency: options.workerConcurrency } : {}),
            ...(options.workerBatchWindowMs !== undefined ? { batchWindowMs: options.workerBatchWindowMs } : {}),
            ...(options.sweepIntervalMs !== undefined ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
            ...(options.providerCheckIntervalMs !== undefined ? { providerCheckIntervalMs: options.providerCheckIntervalMs } : {}),
            ...(options.onWorkerInvocation ? { onInvocation: options.onWorkerInvocation } : {}),
          },
          logger,
        ),
      );
    }

    return {
      apiUrl,
      adminKey,
      ...(dataDir
        ? {
            data: {
              dir: dataDir.dir,
              ...(options.adminKey ? {} : { adminKeyFile: join(dataDir.dir, ADMIN_KEY_FILE) }),
              demoKeyFile: join(dataDir.dir, DEMO_KEY_FILE),
            },
          }
        : {}),
      ...(demo ? { demo } : {}),
      providers,
      ctx,
      sandboxes,
      endpoints: { dynamodb: dynamoDb.endpoint, dynamodbCredentials, sqs: sqsEndpoint, queueUrl, dlqUrl },
      sqsServer: {
        stop: stopFauxqs,
        async start() {
          if (fauxqs) return;
          fauxqs = await startFauxqs({ port: sqsPort, host: "127.0.0.1", logger: false });
          const again = await ensureQueues(clients.sqs);
          if (again.queueUrl !== queueUrl || again.dlqUrl !== dlqUrl) {
            throw new Error(`the restarted SQS stand-in named its queues ${again.queueUrl}, ${again.dlqUrl}, not ${queueUrl}, ${dlqUrl}`);
          }
          await requeueOpenTasks(ctx);
        },
      },
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

/** The API's fetch (all its arguments passed on), telling `report` how long each request took (a benchmark hook). */
function timed<Args extends unknown[]>(fetch: (...args: Args) => Response | Promise<Response>, report: (request: { durationMs: number }) => void) {
  return async (...args: Args) => {
    const started = performance.now();
    try {
      return await fetch(...args);
    } finally {
      report({ durationMs: performance.now() - started });
    }
  };
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
