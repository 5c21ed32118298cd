/**
 * Idempotency-Key against the real store (DynamoDB Local): a retried submit returns the same
 * task and charges once; a key whose task was deleted, or whose submit failed because the
 * queue was down, is free again (it must not answer 500 or hand back a task that never ran).
 */
import { submitTask, type RouterContext } from "@solver-router/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, fakeImage, startStack, waitForEnd, type LocalStack } from "./support.ts";

describe("Idempotency-Key", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  const body = { image: fakeImage() };

  it("returns the same task for a retried submit and charges once", async () => {
    const team = await createTeam(stack, "idem-same", 1);
    const headers = { "idempotency-key": "order-1" };
    const [first, second] = await Promise.all([
      team.api.request("POST", "/v2/solver/image", { body, headers }),
      team.api.request("POST", "/v2/solver/image", { body, headers }),
    ]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.task_id).toBe(first.body.task_id);
    const result = await waitForEnd(team.api, first.body.task_id);
    const account = (await team.api.request("GET", "/v2/account")).body;
    expect(Math.round(account.balance * 1e6) + Math.round(result.credits_used * 1e6)).toBe(1_000_000);
    expect((await team.api.request("GET", "/v2/solver/tasks")).body.total).toBe(1);
  });

  it("a key whose task was deleted makes a new task (not a 500)", async () => {
    const team = await createTeam(stack, "idem-deleted", 1);
    const headers = { "idempotency-key": "order-2" };
    const first = await team.api.request("POST", "/v2/solver/image", { body, headers });
    await waitForEnd(team.api, first.body.task_id);
    expect((await team.api.request("DELETE", `/v2/solver/task/${first.body.task_id}`)).status).toBe(200);
    const again = await team.api.request("POST", "/v2/solver/image", { body, headers });
    expect(again.status).toBe(200);
    expect(again.body.task_id).not.toBe(first.body.task_id);
    expect((await waitForEnd(team.api, again.body.task_id)).status).toBe("completed");
  });

  it("after a 503 because the queue was down, the same key submits anew once the queue is back", async () => {
    const team = await createTeam(stack, "idem-outage", 1);
    const down: RouterContext = { ...stack.ctx, queue: { send: async () => Promise.reject(new Error("SQS unavailable")) } };
    const request = { teamId: team.teamId, task: { type: "ImageToTextTask" as const, fields: body }, priority: "balanced" as const, idempotencyKey: "order-3" };
    await expect(submitTask(down, request)).rejects.toMatchObject({ status: 503 });
    expect((await team.api.request("GET", "/v2/account")).body).toMatchObject({ balance: 1, reserved: 0 });
    expect((await team.api.request("GET", "/v2/solver/tasks")).body.total).toBe(0);
    const retried = await team.api.request("POST", "/v2/solver/image", { body, headers: { "idempotency-key": "order-3" } });
    expect(retried.status).toBe(200);
    expect((await waitForEnd(team.api, retried.body.task_id)).status).toBe("completed");
  });
});
