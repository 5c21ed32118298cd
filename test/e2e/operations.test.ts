/**
 * Operations against the local stack: the upstream balances read by the provider check and
 * shown in GET /v2/admin/providers, and the dead-letter queue emptied back into the work queue
 * by `pnpm admin dlq-redrive` (POST /v2/admin/dlq/redrive), after which the stranded task ends.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { submitTask, type WorkQueue } from "@solver-router/core";
import { createProviderMonitorHandler } from "@solver-router/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, SendMessageCommand, stackQueue, startStack, waitForEnd, type Client, type LocalStack } from "./support.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "packages/admin-cli/src/main.ts", ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** Asks `read` until `done` holds (or fails after `timeoutMs`); the last value read. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("operations", () => {
  let stack: LocalStack;
  let admin: Client;

  beforeAll(async () => {
    // No sweeper during this file: only the redrive may bring a dead-lettered task back.
    stack = await startStack({ sweepIntervalMs: 3_600_000 });
    admin = client(stack, stack.adminKey);
  });
  afterAll(async () => stack?.stop());

  it("GET /v2/admin/providers shows each twocaptcha account's balance, read from the upstream, and when it was read", async () => {
    const started = Date.now();
    const providers = await waitFor(
      async () => (await admin.request("GET", "/v2/admin/providers")).body.providers as Record<string, unknown>[],
      (list) => list.filter((p) => p.balance_read_at !== null).length === 2,
      20_000,
      "balances",
    );
    const byId = Object.fromEntries(providers.map((p) => [p.id, p]));
    for (const id of ["2captcha", "solvecaptcha"]) {
      expect(byId[id]).toMatchObject({ balance: 100, balance_currency: "USD", balance_error: null });
      const readAt = Date.parse(byId[id]!.balance_read_at as string);
      expect(readAt).toBeGreaterThanOrEqual(started - 60_000);
      expect(readAt).toBeLessThanOrEqual(Date.now());
    }
    // The sandboxes really were asked: one getbalance each (the stack's first check).
    for (const sandbox of [stack.sandboxes.twocaptcha!, stack.sandboxes.solvecaptcha!]) {
      expect(sandbox.requests.filter((r) => r.path === "/res.php" && r.params.action === "getbalance").length).toBeGreaterThanOrEqual(1);
    }
    // Protocols whose documents offer no balance request show none.
    for (const id of ["acedata", "smartcaptcha"].filter((x) => byId[x])) {
      expect(byId[id]).toMatchObject({ balance: null, balance_currency: null, balance_read_at: null });
    }
    expect(Object.keys(byId)).toEqual(expect.arrayContaining(["2captcha", "solvecaptcha"]));
  });

  it("a balance the upstream refuses to give keeps the last one read and shows why", async () => {
    const sandbox = stack.sandboxes.twocaptcha!;
    const before = (await admin.request("GET", "/v2/admin/providers")).body.providers.find((p: { id: string }) => p.id === "2captcha");
    expect(before.balance_read_at).not.toBeNull();
    sandbox.setFault("bad_key");
    try {
      await createProviderMonitorHandler(stack.ctx)();
    } finally {
      sandbox.setFault(null);
    }
    const after = (await admin.request("GET", "/v2/admin/providers")).body.providers.find((p: { id: string }) => p.id === "2captcha");
    expect(after).toMatchObject({ balance: 100, balance_currency: "USD", balance_read_at: before.balance_read_at });
    expect(after.balance_error).toMatch(/^ERROR_KEY_DOES_NOT_EXIST: /);
    expect(JSON.stringify(after)).not.toContain(stack.providers.find((p) => p.id === "2captcha")!.apiKey);

    // The next good read clears the error and moves balance_read_at on.
    await createProviderMonitorHandler(stack.ctx)();
    const healed = (await admin.request("GET", "/v2/admin/providers")).body.providers.find((p: { id: string }) => p.id === "2captcha");
    expect(healed.balance_error).toBeNull();
    expect(Date.parse(healed.balance_read_at)).toBeGreaterThanOrEqual(Date.parse(before.balance_read_at));
  });

  it("the admin dead-letter routes need the admin key and a sane max", async () => {
    expect((await admin.request("POST", "/v2/admin/dlq/redrive", { key: null })).status).toBe(401);
    const bad = await admin.request("POST", "/v2/admin/dlq/redrive?max_messages=0");
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^max_messages: /);
    expect((await admin.request("GET", "/v2/admin/dlq")).body).toEqual({ messages: 0 });
    const spec = (await admin.request("GET", "/v2/openapi.json", { key: null })).body;
    expect(Object.keys(spec.paths["/v2/admin/dlq"])).toEqual(["get"]);
    expect(Object.keys(spec.paths["/v2/admin/dlq/redrive"])).toEqual(["post"]);
  });

  it("a task whose message sits in the dead-letter queue ends once `pnpm admin dlq-redrive` moves it back", async () => {
    const team = await createTeam(stack, "dlq", 5);
    const { sqs } = stackQueue(stack);
    // The task is accepted as usual, but its first message lands in the dead-letter queue (as one
    // does after failing five receives).
    const toDeadLetters: WorkQueue = {
      async send(message) {
        await sqs.send(new SendMessageCommand({ QueueUrl: stack.endpoints.dlqUrl, MessageBody: JSON.stringify(message) }));
      },
    };
    const { task_id } = await submitTask(
      { ...stack.ctx, queue: toDeadLetters },
      { teamId: team.teamId, task: { type: "ImageToTextTask", fields: { image: fakeImage() } }, priority: "balanced" },
    );
    expect((await admin.request("GET", "/v2/admin/dlq")).body).toEqual({ messages: 1 });
    expect((await team.api.request("GET", `/v2/solver/result/${task_id}`)).body.status).toBe("pending");

    const env = { ...process.env, ROUTER_URL: stack.apiUrl, ROUTER_ADMIN_KEY: stack.adminKey, NO_COLOR: "1" };
    const redriven = await runCli(["dlq-redrive"], env);
    expect(redriven.stderr).toBe("");
    expect(redriven.code).toBe(0);
    expect(redriven.stdout.trim()).toBe("Moved 1 message(s) back to the work queue; 0 left in the dead-letter queue.");
    expect(redriven.stdout).not.toContain(stack.adminKey);

    const ended = await waitForEnd(team.api, task_id, 45_000);
    expect(ended).toMatchObject({ status: "completed", credits_used: expect.any(Number) });
    expect((await admin.request("GET", "/v2/admin/dlq")).body).toEqual({ messages: 0 });
    // Nothing left to move: a second run moves nothing.
    expect((await admin.request("POST", "/v2/admin/dlq/redrive")).body).toEqual({ moved: 0, remaining: 0 });
  });
});
