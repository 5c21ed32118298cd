/**
 * Helpers for end-to-end tests: start the local stack (the same code `pnpm start` runs) on
 * free ports and talk to it over real HTTP.
 */
import { quietLogger } from "@solver-router/functions";
import { startLocalStack, type LocalStack, type LocalStackOptions } from "@solver-router/local";
import { mkdtemp, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskType } from "@solver-router/core";
import type { TwocaptchaRecordedRequest, TwocaptchaSandbox } from "@solver-router/sandbox";
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
export {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";

export type { LocalStack };

export async function startStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // Upstream balances are read once, at start: a periodic read landing mid-test would add
  // requests to the sandboxes' records that tests count.
  return startLocalStack({ port: 0, logger: quietLogger("error"), explorationShare: 0, sweepIntervalMs: 5_000, providerCheckIntervalMs: 3_600_000, ...options });
}

export interface Client {
  // Response bodies are whatever the API answered: tests read them freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request(method: string, path: string, options?: RequestOptions): Promise<{ status: number; body: any; headers: Headers }>;
}

interface RequestOptions {
  body?: unknown;
  rawBody?: string;
  key?: string | null;
  headers?: Record<string, string>;
  /** Give up after this long (the request is aborted) rather than wait for the test's own timeout. */
  timeoutMs?: number;
}

/** A client for the stack's API; `key` defaults to the given key (null sends no Authorization). */
export function client(stack: LocalStack, defaultKey?: string): Client {
  return {
    async request(method, path, options = {}) {
      const key = options.key === undefined ? defaultKey : options.key;
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
      const response = await fetch(stack.apiUrl + path, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(options.timeoutMs !== undefined ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
  };
}

/** Creates a team through the admin API; returns its id and key. */
export async function createTeam(stack: LocalStack, name: string, credits: number | string) {
  const admin = client(stack, stack.adminKey);
  const { status, body } = await admin.request("POST", "/v2/admin/teams", { body: { name, credits } });
  if (status !== 200) throw new Error(`create team: ${status} ${JSON.stringify(body)}`);
  return { teamId: body.team_id as string, apiKey: body.api_key as string, api: client(stack, body.api_key) };
}

/** Polls the result endpoint (test side only) until the task has ended. */
export async function waitForEnd(api: Client, taskId: string, timeoutMs = 120_000) {
  const started = Date.now();
  for (;;) {
    const { status, body } = await api.request("GET", `/v2/solver/result/${taskId}`);
    if (status !== 200) throw new Error(`result ${taskId}: ${status} ${JSON.stringify(body)}`);
    if (body.status === "completed" || body.status === "failed") return body;
    if (Date.now() - started > timeoutMs) throw new Error(`task ${taskId} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A base64 PNG-ish blob of `bytes` random bytes (the sandboxes need ≥ 100 bytes). */
export const fakeImage = (bytes = 400) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 37 + 11) % 256)).toString("base64");

// ── Added for the issue-2 e2e files (task types, credits, isolation, delivery faults) ────────


/** Decimal credits → integer micro-credits, for exact money comparisons in tests. */
export const micro = (credits: number): number => Math.round(credits * 1e6);

export interface TaskPriceEntry {
  price: number | string;
  solve_seconds: number;
  accuracy: number;
}

/** One entry of docs/api.md's providers file for a `twocaptcha` upstream (e.g. a sandbox). */
export function twocaptchaProviderEntry(id: string, baseUrl: string, apiKey: string, tasks: Partial<Record<TaskType, TaskPriceEntry>>) {
  return { id, protocol: "twocaptcha", base_url: baseUrl, api_key: apiKey, enabled: true, tasks };
}

/** Writes `{"providers": [...]}` (docs/api.md's format) to a new temp dir; returns the file's path. */
export async function writeProvidersFile(providers: unknown[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "solver-router-e2e-"));
  const file = join(dir, "providers.json");
  await writeFile(file, JSON.stringify({ providers }, null, 2));
  return file;
}

/** What a team sees of its own state: the account and the full task list. */
export async function teamState(api: Client) {
  const [account, list] = await Promise.all([api.request("GET", "/v2/account"), api.request("GET", "/v2/solver/tasks?limit=100")]);
  if (account.status !== 200 || list.status !== 200) throw new Error(`team state: ${account.status} / ${list.status}`);
  return { account: account.body, tasks: list.body };
}

/** The sandbox's in.php requests whose parameters satisfy `match`. */
export const inPhpRequests = (sandbox: TwocaptchaSandbox, match: (params: Record<string, string>) => boolean): TwocaptchaRecordedRequest[] =>
  sandbox.requests.filter((r) => r.path === "/in.php" && match(r.params));

/** The stack's own SQS queue, through the AWS SDK (as a second producer would see it). */
export function stackQueue(stack: LocalStack) {
  const sqs = new SQSClient({ endpoint: stack.endpoints.sqs, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  return {
    sqs,
    /** Sends a worker message `{"kind":"task","task_id","step"}` to the stack's work queue. */
    async sendTaskMessage(taskId: string, step: number, delaySeconds = 0) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.endpoints.queueUrl,
          MessageBody: JSON.stringify({ kind: "task", task_id: taskId, step }),
          DelaySeconds: delaySeconds,
        }),
      );
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads `read` until `done` holds (every `intervalMs`, at most `timeoutMs`) and returns that
 * value; past the time, fails naming `what` and the last value read. For a test that expects
 * something to happen: it waits exactly as long as that takes, not a fixed time.
 */
export async function waitUntil<T>(what: string, read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** A queue's message counts: ready to receive, in flight (received, not yet deleted), delayed. */
async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<{ ready: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  return {
    ready: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

/**
 * Waits until nothing in `queueUrl` is ready or in flight: every message sent to it without a
 * delay before this call has been received and deleted, which a worker does only once its
 * handler finished that message without error (a failed one comes back after the visibility
 * timeout and keeps this waiting). The positive event after which "that message changed nothing"
 * can be asserted. `andDelayed`: nothing delayed either, so no message is left that could still
 * move anything.
 */
export async function waitUntilQueueHandled(sqs: SQSClient, queueUrl: string, options: { andDelayed?: boolean; timeoutMs?: number } = {}) {
  return waitUntil(
    `messages of ${queueUrl} still waiting for a worker`,
    () => queueCounts(sqs, queueUrl),
    (counts) => counts.ready === 0 && counts.inFlight === 0 && (!options.andDelayed || counts.delayed === 0),
    options.timeoutMs ?? 30_000,
  );
}

/** Whether a TCP connection to the URL's host and port is refused (nothing listens there). */
function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

/**
 * Runs `during` while the stack's SQS stand-in is down for real: fauxqs stopped, its port
 * refusing connections (checked before `during` runs), so the API's own SQS client meets what it
 * would meet in an SQS outage. Then starts it again on the same port (the API's client
 * reconnects to the same endpoint and queue URLs): also when `during` throws, so a failed
 * assertion does not leave the rest of the file without a queue. While it is down the worker
 * loop and the API log their failed SQS calls as errors: expected.
 */
export async function whileSqsIsDown<T>(stack: LocalStack, during: () => Promise<T>): Promise<T> {
  await stack.sqsServer.stop();
  try {
    if (!(await connectionRefused(stack.endpoints.sqs))) throw new Error(`the SQS stand-in still accepts connections at ${stack.endpoints.sqs}`);
    return await during();
  } finally {
    await stack.sqsServer.start();
  }
}

/**
 * One request on its own connection (node:http, no keep-alive), for bodies the server may
 * refuse before reading them (over 1 MiB): the answer counts once its head has arrived, even if
 * the server then closes the connection while the body is still being written. fetch (undici)
 * may report such an exchange as a socket error, and reuse a connection the server is closing.
 */
export function rawRequest(
  url: string,
  options: { method: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers = { ...(options.headers ?? {}) };
    const framed = Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h));
    // node:http sends a DELETE/OPTIONS body unframed unless told its length.
    if (options.body !== undefined && !framed) headers["content-length"] = String(Buffer.byteLength(options.body));
    const req = httpRequest(url, { method: options.method, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      const done = () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), headers: res.headers });
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}
