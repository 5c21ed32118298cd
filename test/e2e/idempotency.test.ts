/**
 * Idempotency-Key against the real store (DynamoDB Local): a retried submit returns the same
 * task and charges once; a key whose task was deleted, or whose submit failed because the
 * queue was down, is free again (it must not answer 500 or hand back a task that never ran).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, fakeImage, inPhpRequests, micro, stackQueue, startStack, waitForEnd, waitUntilQueueHandled, whileSqsIsDown, type LocalStack } from "./support.ts";

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

  it("after a 503 because the queue was down (the stack's SQS stopped), the same key submits anew once the queue is back", async () => {
    const team = await createTeam(stack, "idem-outage", 1);
    const marker = "idem-outage";
    const submit = () =>
      team.api.request("POST", "/v2/solver/image", { body: { ...body, instructions: marker }, headers: { "idempotency-key": "order-3" }, timeoutMs: 20_000 });
    const submits = () => [stack.sandboxes.twocaptcha!, stack.sandboxes.solvecaptcha!].flatMap((sandbox) => inPhpRequests(sandbox, (p) => p.textinstructions === marker));
    const accountBefore = (await team.api.request("GET", "/v2/account")).body;
    expect(accountBefore).toMatchObject({ balance: 1, reserved: 0 });

    await whileSqsIsDown(stack, async () => {
      const refused = await submit();
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ detail: "The task queue is unavailable; nothing was charged. Retry the request." });
      expect((await team.api.request("GET", "/v2/account")).body).toEqual(accountBefore);
      expect((await team.api.request("GET", "/v2/solver/tasks")).body).toMatchObject({ total: 0, tasks: [] });
    });

    const retried = await submit();
    expect(retried.status).toBe(200);
    expect(retried.body.message).toBe("Task submitted successfully");
    const result = await waitForEnd(team.api, retried.body.task_id);
    expect(result.status).toBe("completed");
    // Every message queued so far has been handled (the restart queues any unfinished task
    // again): the upstream got the captcha of this key once, and the team paid for it once.
    await waitUntilQueueHandled(stackQueue(stack).sqs, stack.endpoints.queueUrl);
    expect(submits()).toHaveLength(1);
    const account = (await team.api.request("GET", "/v2/account")).body;
    expect(account.reserved).toBe(0);
    expect(micro(account.balance) + micro(result.credits_used)).toBe(micro(1));
    expect((await team.api.request("GET", "/v2/solver/tasks")).body).toMatchObject({ total: 1, tasks: [{ task_id: retried.body.task_id }] });
    expect((await submit()).body.task_id).toBe(retried.body.task_id);
  });
});
