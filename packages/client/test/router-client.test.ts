// The typed client against a local HTTP server scripted like the API: submit, wait, back off.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { RouterApiError, RouterClient, SolveTimeoutError, TaskFailedError, type TaskResult } from "../src/index.ts";

const KEY = "0123456789abcdef0123456789abcdef";

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  idempotencyKey: string | undefined;
  body: unknown;
  at: number;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Starts a server answering with `handler`; returns the client's base URL and what it saw. */
async function api(handler: (seen: Seen, n: number) => { status: number; body: unknown; headers?: Record<string, string> }) {
  const seen: Seen[] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const entry: Seen = {
        method: req.method ?? "",
        path: req.url ?? "",
        auth: req.headers.authorization,
        idempotencyKey: req.headers["idempotency-key"] as string | undefined,
        body: text ? JSON.parse(text) : undefined,
        at: Date.now(),
      };
      seen.push(entry);
      const answer = handler(entry, seen.filter((s) => s.path === entry.path).length);
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, seen };
}

const result = (status: TaskResult["status"], extra: Partial<TaskResult> = {}): Partial<TaskResult> => ({
  task_id: "t1",
  status,
  captcha_type: "ImageToTextTask",
  solution: status === "completed" ? { text: "w93bx" } : null,
  error: null,
  ...extra,
});

describe("RouterClient", () => {
  it("solve: submits with priority and max_price, waits the estimated time, polls until completed", async () => {
    const { url, seen } = await api((req, n) => {
      if (req.method === "POST") return { status: 200, body: { task_id: "t1", status: "pending", estimated_time: 0.3, message: "Task submitted successfully" } };
      return { status: 200, body: n < 3 ? result("processing") : result("completed") };
    });
    const client = new RouterClient({ url, apiKey: KEY });
    const solved = await client.solve({ type: "ImageToTextTask", image: "aGVsbG8gd29ybGQh" }, { priority: "speed", maxPrice: "0.2", pollIntervalMs: 50, idempotencyKey: "k-1" });
    expect(solved.solution).toEqual({ text: "w93bx" });
    expect(seen[0]).toMatchObject({
      method: "POST",
      path: "/v2/solver/task",
      auth: `Bearer ${KEY}`,
      idempotencyKey: "k-1",
      body: { type: "ImageToTextTask", image: "aGVsbG8gd29ybGQh", priority: "speed", max_price: "0.2" },
    });
    const polls = seen.filter((s) => s.method === "GET");
    expect(polls.map((p) => p.path)).toEqual(["/v2/solver/result/t1", "/v2/solver/result/t1", "/v2/solver/result/t1"]);
    expect(polls[0]!.at - seen[0]!.at).toBeGreaterThanOrEqual(290); // the estimated 0.3 s first
  });

  it("solve: waits out a 429 for its Retry-After before submitting again", async () => {
    const { url, seen } = await api((req, n) => {
      if (req.method === "POST" && n === 1) return { status: 429, body: { detail: "Rate limit of 100 requests per second exceeded; retry after 1 s" }, headers: { "retry-after": "1" } };
      if (req.method === "POST") return { status: 200, body: { task_id: "t1", status: "pending", estimated_time: 0, message: "ok" } };
      return { status: 200, body: result("completed") };
    });
    const solved = await new RouterClient({ url, apiKey: KEY }).solve({ type: "TextCaptchaTask", question: "2+2?" }, { pollIntervalMs: 10 });
    expect(solved.status).toBe("completed");
    const posts = seen.filter((s) => s.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it("solve: a failed task throws TaskFailedError with the task; a refused submit throws RouterApiError with the API's detail", async () => {
    const failing = await api((req) =>
      req.method === "POST"
        ? { status: 200, body: { task_id: "t1", status: "pending", estimated_time: 0, message: "ok" } }
        : { status: 200, body: result("failed", { error: "ERROR_CAPTCHA_UNSOLVABLE from every provider" }) },
    );
    const error = await new RouterClient({ url: failing.url, apiKey: KEY }).solve({ type: "TextCaptchaTask", question: "?" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).task.error).toMatch(/UNSOLVABLE/);
    await new Promise((resolve) => server?.close(resolve));

    const broke = await api(() => ({ status: 402, body: { detail: "Insufficient credits. Need 0.15, have 0.05" } }));
    const refused = await new RouterClient({ url: broke.url, apiKey: KEY }).solve({ type: "TextCaptchaTask", question: "?" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RouterApiError);
    expect(refused).toMatchObject({ status: 402, detail: "Insufficient credits. Need 0.15, have 0.05" });
    expect(broke.seen).toHaveLength(1); // a 402 is not retried
  });

  it("solve: gives up with SolveTimeoutError when the task does not end in time, and stops at once when aborted", async () => {
    const { url, seen } = await api((req) =>
      req.method === "POST" ? { status: 200, body: { task_id: "t1", status: "pending", estimated_time: 0, message: "ok" } } : { status: 200, body: result("processing") },
    );
    const client = new RouterClient({ url, apiKey: KEY });
    const timedOut = await client.solve({ type: "TextCaptchaTask", question: "?" }, { timeoutMs: 300, pollIntervalMs: 50 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(SolveTimeoutError);
    expect((timedOut as SolveTimeoutError).taskId).toBe("t1");

    // Aborted once the client has read the first poll's "processing" (it then waits 10 s for the
    // next one), not after a fixed 100 ms that a slow machine may still spend submitting.
    seen.length = 0;
    const controller = new AbortController();
    let abortedAt = 0;
    const abortAfterFirstPoll: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method !== "GET" || abortedAt) return response;
      const text = await response.text();
      setImmediate(() => {
        abortedAt = Date.now();
        controller.abort(new Error("stop"));
      });
      return new Response(text, { status: response.status, headers: response.headers });
    };
    const watched = new RouterClient({ url, apiKey: KEY, fetch: abortAfterFirstPoll });
    const pending = watched.solve({ type: "TextCaptchaTask", question: "?" }, { signal: controller.signal, pollIntervalMs: 10_000 });
    await expect(pending).rejects.toThrow("stop");
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(5_000);
    expect(seen.map((s) => s.method)).toEqual(["POST", "GET"]);
  });

  it("balance, usage, report and result use the documented paths; an unreachable router is a RouterApiError without the key", async () => {
    const { url, seen } = await api((req) => ({ status: 200, body: req.path.startsWith("/v2/account") ? { team_id: "a", balance: 1.5 } : {} }));
    const client = new RouterClient({ url, apiKey: KEY });
    expect((await client.balance()).balance).toBe(1.5);
    await client.usage({ from: "2026-12-01", to: "2026-12-04", groupBy: ["day", "provider"] });
    await client.report("t 1", false);
    await client.result("t1");
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      "GET /v2/account",
      "GET /v2/usage?from=2026-12-01&to=2026-12-04&group_by=day%2Cprovider&format=json",
      "POST /v2/solver/task/t%201/report",
      "GET /v2/solver/result/t1",
    ]);
    expect(seen[2]!.body).toEqual({ correct: false });

    const offline = await new RouterClient({ url: `http://127.0.0.1:1/${KEY}`, apiKey: KEY }).balance().catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(RouterApiError);
    expect((offline as RouterApiError).status).toBe(0);
    expect((offline as Error).message).not.toContain(KEY);
  });
});
