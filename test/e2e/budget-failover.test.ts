/**
 * The month's budget counter on DynamoDB Local: a failover's extra reservation is conditional
 * on the budget like a submit's (packages/functions/src/aws/items.ts budgetMonthUpdate).
 */
import { monthOf, type TaskRecord } from "@solver-router/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, startStack, type LocalStack } from "./support.ts";

describe("failover reservations against the monthly budget, in DynamoDB", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  it("refuses an extra reservation past the budget (over_budget, nothing moves) and takes one within it", async () => {
    const { teamId, api } = await createTeam(stack, "budgeted", 5);
    const admin = { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" };
    await fetch(`${stack.apiUrl}/v2/admin/teams/${teamId}/budget`, { method: "PUT", headers: admin, body: JSON.stringify({ monthly_budget: 0.15 }) });
    const now = Date.now();
    const month = monthOf(now);
    const budget = { month, limitMicro: 150_000 };
    // Written straight to the store (no queue message), so no worker touches it.
    const task: TaskRecord = {
      // Task ids are a ULID and the team (packages/functions/src/aws/entities.ts): 26 digits do as the ULID.
      taskId: `01${String(now).padStart(24, "0")}-${teamId}`, teamId, type: "ImageToTextTask", priority: "balanced", status: "pending", step: 0, version: 1,
      createdAt: now, updatedAt: now, dueAt: now + 3_600_000, deadlineAt: now + 3_600_000, reservedMicro: 100_000,
      routing: { providerId: "2captcha", reason: "test" }, attempts: [],
    };
    expect((await stack.ctx.tasks.create(task, { type: "ImageToTextTask", fields: { image: "aGVsbG8=" } }, budget)).kind).toBe("created");

    const pricier = { ...task, version: 2, reservedMicro: 160_000 };
    expect(await stack.ctx.tasks.transition(task, pricier, { reserveMicro: 60_000, budget })).toBe("over_budget");
    expect(await stack.ctx.teams.monthUsed(teamId, month)).toBe(100_000);
    expect((await api.request("GET", "/v2/account")).body).toMatchObject({ balance: 4.9, reserved: 0.1 });
    expect((await stack.ctx.tasks.get(task.taskId))?.version).toBe(1);

    const within = { ...task, version: 2, reservedMicro: 150_000 };
    expect(await stack.ctx.tasks.transition(task, within, { reserveMicro: 50_000, budget })).toBe("ok");
    expect(await stack.ctx.teams.monthUsed(teamId, month)).toBe(150_000);
    expect((await api.request("GET", "/v2/account")).body).toMatchObject({ balance: 4.85, reserved: 0.15 });
  });
});
