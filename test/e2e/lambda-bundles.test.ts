/**
 * The deployed artifact, tested: `pnpm build`'s esbuild bundles (scripts/build.ts, built afresh
 * here) run in their own Node processes (lambda-host.mjs), started in the bundle's folder as
 * Lambda starts in /var/task, with the configuration SST gives a linked function, read by
 * `Resource` from "sst": the worker and the sweeper get SST_RESOURCE_<Name> JSON environment
 * variables; the api gets what a deployed function gets — SST_KEY in the environment and the
 * links AES-256-GCM-encrypted in `resource.enc` beside the bundle (SST_KEY_FILE). They are
 * invoked with the events Lambda sends: API Gateway HTTP API (payload 2.0) requests for
 * the api, SQS batches for the worker (partial batch failures honoured), an EventBridge scheduled
 * event for the sweeper. DynamoDB Local and fauxqs stand in for AWS through the SDK's
 * AWS_ENDPOINT_URL_<SERVICE> variables; an upstream sandbox serves the captchas over HTTP.
 */
import { fork, type ChildProcess } from "node:child_process";
import { createCipheriv, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { generateApiKey } from "@solver-router/core";
import { startTwocaptchaSandbox, type TwocaptchaSandbox } from "@solver-router/sandbox";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, EventBridgeEvent, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HANDLERS, type HandlerName } from "../../infra/handlers.ts";
import { buildHandlers, type BuiltHandler } from "../../scripts/build.ts";
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  fakeImage,
  micro,
  stackQueue,
  startStack,
  twocaptchaProviderEntry,
  type LocalStack,
} from "./support.ts";

const REGION = "us-east-1";
const IMAGE_PRICE = 0.15;

interface LambdaProcess {
  invoke<T>(event: unknown): Promise<T>;
  /** Everything the function wrote to stdout and stderr so far (its CloudWatch log). */
  logs(): string;
  stop(): Promise<void>;
}

/** One function's runtime: a process of its own, started with the function's environment. */
async function startLambda(bundle: string, name: string, env: Record<string, string>): Promise<LambdaProcess> {
  const child: ChildProcess = fork(join(import.meta.dirname, "lambda-host.mjs"), [bundle], {
    cwd: dirname(bundle),
    // Lambda's environment: the function's variables only, not the test runner's.
    env: { PATH: process.env.PATH ?? "", AWS_LAMBDA_FUNCTION_NAME: name, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512", ...env },
    execArgv: [],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += String(chunk)));
  child.stderr!.on("data", (chunk) => (output += String(chunk)));
  const pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`${name} exited (${code}): ${output.slice(-2000)}`))));
  exited.catch(() => {});
  await Promise.race([new Promise((resolve) => child.once("message", resolve)), exited]);
  child.on("message", (message: { id: string; result?: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`${name}: ${message.error}`));
    else waiter?.resolve(message.result);
  });
  return {
    invoke<T>(event: unknown) {
      const id = randomUUID();
      const answer = new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
      child.send({ id, event, timeoutMs: 29_000 });
      return Promise.race([answer, exited]);
    },
    logs: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await gone;
    },
  };
}

/**
 * How SST hands a deployed function its links: the JSON of every link, AES-256-GCM-encrypted
 * with a zero nonce and the tag appended, in a file of the bundle, and the key in SST_KEY.
 */
async function writeEncryptedLinks(folder: string, links: Record<string, unknown>): Promise<{ SST_KEY: string; SST_KEY_FILE: string }> {
  const key = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", key, Buffer.alloc(12, 0));
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(links), "utf8"), cipher.final(), cipher.getAuthTag()]);
  await writeFile(join(folder, "resource.enc"), encrypted);
  return { SST_KEY: key.toString("base64"), SST_KEY_FILE: "resource.enc" };
}

/** An API Gateway HTTP API request (payload format 2.0) for the `$default` route. */
function httpEvent(method: string, pathAndQuery: string, options: { body?: unknown; key?: string } = {}): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ""] = pathAndQuery.split("?") as [string, string?];
  const headers: Record<string, string> = { host: "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "bundle-test" };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abc123",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "198.51.100.7", userAgent: "bundle-test" },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

/** EventBridge's "Scheduled Event", as a `rate(1 minute)` rule sends it. */
const scheduledEvent = (): EventBridgeEvent<"Scheduled Event", Record<string, never>> => ({
  version: "0",
  id: randomUUID(),
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  region: REGION,
  resources: [`arn:aws:events:${REGION}:123456789012:rule/Sweeper`],
  detail: {},
});

describe("the Lambda bundles of `pnpm build`", () => {
  let outDir: string;
  let built: BuiltHandler[];
  let sandbox: TwocaptchaSandbox;
  let stack: LocalStack;
  let queueArn: string;
  const adminKey = generateApiKey();
  const lambdas: Partial<Record<HandlerName, LambdaProcess>> = {};
  let api: (method: string, path: string, options?: { body?: unknown; key?: string }) => Promise<{ status: number; body: any; headers: Record<string, unknown> }>; // eslint-disable-line @typescript-eslint/no-explicit-any

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "solver-router-bundles-"));
    built = await buildHandlers(outDir);

    const upstreamKey = generateApiKey();
    sandbox = await startTwocaptchaSandbox({ port: 0, apiKey: upstreamKey, name: "bundle-upstream", solveAfterMs: 200 });
    const providers = { providers: [twocaptchaProviderEntry("2captcha", sandbox.url, upstreamKey, { ImageToTextTask: { price: IMAGE_PRICE, solve_seconds: 5, accuracy: 0.9 } })] };
    // The stack provides DynamoDB Local, fauxqs and the table and queues; the bundles do the work.
    stack = await startStack({ worker: false });
    const { Attributes } = await stackQueue(stack).sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.endpoints.queueUrl, AttributeNames: ["QueueArn"] }));
    queueArn = Attributes!.QueueArn!;

    const aws = {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: stack.endpoints.dynamodbCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.endpoints.dynamodbCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: stack.endpoints.sqs,
      SST_RESOURCE_App: JSON.stringify({ name: "solver-router", stage: "bundle-test" }),
    };
    // The links infra/functions.ts gives the functions: the table, the queues and the two secrets.
    const links = {
      RouterTable: { name: "solver-router", type: "sst.aws.Dynamo" },
      WorkQueue: { url: stack.endpoints.queueUrl, type: "sst.aws.Queue" },
      WorkQueueDlq: { url: stack.endpoints.dlqUrl, type: "sst.aws.Queue" },
      AdminKey: { value: adminKey, type: "sst.sst.Secret" },
      ProvidersConfig: { value: JSON.stringify(providers), type: "sst.sst.Secret" },
    };
    const linkVariables = Object.fromEntries(Object.entries(links).map(([name, value]) => [`SST_RESOURCE_${name}`, JSON.stringify(value)]));
    for (const { name, file } of built) {
      const env = name === "api" ? { ...aws, ...(await writeEncryptedLinks(dirname(file), links)) } : { ...aws, ...linkVariables };
      lambdas[name] = await startLambda(file, `solver-router-${name}`, env);
    }
    api = async (method, path, options) => {
      const answer = await lambdas.api!.invoke<APIGatewayProxyStructuredResultV2>(httpEvent(method, path, options));
      const text = answer.isBase64Encoded ? Buffer.from(answer.body ?? "", "base64").toString("utf8") : (answer.body ?? "");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: answer.statusCode ?? 0, body, headers: answer.headers ?? {} };
    };
  });

  afterAll(async () => {
    for (const lambda of Object.values(lambdas)) await lambda?.stop();
    await stack?.stop();
    await sandbox?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  /** Lambda's SQS event source: receive a batch, invoke the worker, delete what it did not report as failed. */
  async function deliverBatch(): Promise<number> {
    const { sqs } = stackQueue(stack);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.endpoints.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ["All"] }),
    );
    if (Messages.length === 0) return 0;
    const event: SQSEvent = {
      Records: Messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? "",
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
          SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: m.Attributes?.SenderId ?? "AIDAEXAMPLE",
          ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? "",
        eventSource: "aws:sqs",
        eventSourceARN: queueArn,
        awsRegion: REGION,
      })),
    };
    const response = await lambdas.worker!.invoke<SQSBatchResponse>(event);
    expect(response.batchItemFailures).toEqual([]);
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: stack.endpoints.queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
    return Messages.length;
  }

  /** Feeds the queue to the bundled worker until the task has ended; returns its result. */
  async function runUntilEnded(taskId: string, key: string, timeoutMs = 60_000) {
    const started = Date.now();
    for (;;) {
      const { status, body } = await api("GET", `/v2/solver/result/${taskId}`, { key });
      expect(status).toBe(200);
      if (body.status === "completed" || body.status === "failed") return body;
      if (Date.now() - started > timeoutMs) throw new Error(`task ${taskId} still ${body.status}`);
      await deliverBatch();
    }
  }

  it("builds one ESM bundle per handler of infra/handlers.ts, with SST's banner, and the api's installed swagger-ui-dist beside it", async () => {
    expect(built.map((b) => b.name).sort()).toEqual(Object.keys(HANDLERS).sort());
    for (const { name, file } of built) {
      expect(file).toBe(join(outDir, name, `${name}.mjs`));
      const head = (await readFile(file, "utf8")).slice(0, 400);
      expect(head).toContain("import { createRequire as topLevelCreateRequire } from 'module';");
    }
    const installed = JSON.parse(await readFile(join(outDir, "api", "node_modules", "swagger-ui-dist", "package.json"), "utf8"));
    expect(JSON.parse(await readFile(join(outDir, "api", "package.json"), "utf8"))).toEqual({ dependencies: { "swagger-ui-dist": installed.version } });
    expect((await stat(join(outDir, "api", "node_modules", "swagger-ui-dist", "swagger-ui-bundle.js"))).size).toBeGreaterThan(100_000);
  });

  it("api: answers API Gateway events — health, admin, a bad key, a submit, /docs and its assets", async () => {
    expect(await api("GET", "/health")).toMatchObject({ status: 200, body: { status: "ok" } });
    expect((await api("GET", "/v2/admin/teams", { key: generateApiKey() })).status).toBe(401);
    expect((await api("GET", "/v2/account", { key: generateApiKey() })).status).toBe(401);
    const pricing = await api("GET", "/v2/solver/pricing");
    expect(pricing.status).toBe(200);
    expect(pricing.body.pricing.map((p: { task_type: string }) => p.task_type)).toEqual(["ImageToTextTask"]);

    const docs = await api("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(String(docs.headers["content-security-policy"])).toContain("script-src 'self'");
    for (const asset of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
      expect((await api("GET", `/docs/assets/${asset}`)).status, asset).toBe(200);
    }
  });

  it("api + worker + sweeper: a task submitted through the api is solved by the worker; one whose message was lost is re-queued by the sweeper; the money adds up", async () => {
    const created = await api("POST", "/v2/admin/teams", { key: adminKey, body: { name: "bundled", credits: 2 } });
    expect(created.status).toBe(200);
    const teamKey = created.body.api_key as string;

    const first = await api("POST", "/v2/solver/image", { key: teamKey, body: { image: fakeImage() } });
    expect(first.status).toBe(200);
    const solved = await runUntilEnded(first.body.task_id, teamKey);
    expect(solved).toMatchObject({ status: "completed", provider: "2captcha", credits_used: IMAGE_PRICE });
    expect(solved.solution.text).toEqual(expect.any(String));

    // A second task whose queue message is lost (received and deleted, never handled) and whose
    // step then falls overdue: only the sweeper brings it back.
    const second = await api("POST", "/v2/solver/image", { key: teamKey, body: { image: fakeImage() } });
    expect(second.status).toBe(200);
    const taskId = second.body.task_id as string;
    const { sqs } = stackQueue(stack);
    const lost = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.endpoints.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
    expect((lost.Messages ?? []).map((m) => JSON.parse(m.Body!).task_id)).toEqual([taskId]);
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: stack.endpoints.queueUrl, Entries: lost.Messages!.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    const stored = (await stack.ctx.tasks.get(taskId))!;
    const tenMinutesAgo = Date.now() - 10 * 60_000;
    expect(await stack.ctx.tasks.transition(stored, { ...stored, version: stored.version + 1, dueAt: tenMinutesAgo })).toBe("ok");

    expect(await lambdas.sweeper!.invoke(scheduledEvent())).toEqual({ requeued: 1 });
    const rescued = await runUntilEnded(taskId, teamKey);
    expect(rescued).toMatchObject({ status: "completed", credits_used: IMAGE_PRICE });

    // The balance is exact at once; on AWS `reserved` gives up a task's charge when the stream's
    // aggregator has seen the task end (docs/architecture.md "Money and usage"): wait for that.
    let account = await api("GET", "/v2/account", { key: teamKey });
    expect(micro(account.body.balance) + micro(solved.credits_used) + micro(rescued.credits_used)).toBe(micro(2));
    for (let i = 0; i < 100 && account.body.reserved !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      account = await api("GET", "/v2/account", { key: teamKey });
    }
    expect(account.body.reserved).toBe(0);

    // Nothing the functions wrote (their CloudWatch log) holds a key.
    const logs = Object.values(lambdas).map((lambda) => lambda!.logs()).join("\n");
    for (const secret of [adminKey, teamKey, stack.endpoints.dynamodbCredentials.accessKeyId]) expect(logs).not.toContain(secret);
  });
});
