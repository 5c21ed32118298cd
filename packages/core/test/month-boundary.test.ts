// A UTC month boundary crossed on the fake clock: a monthly budget counts the tasks created in
// its month and resets at 00:00 UTC on the 1st; usage is split by the day each task was created.
import { describe, expect, it } from "vitest";
import { accountView, DomainError, setMonthlyBudget, usageReport } from "../src/index.ts";
import { createWorld, credits, provider } from "./fakes.ts";

const alpha = provider("alpha", "twocaptcha", { ImageToTextTask: { price: "0.1", seconds: 3, accuracy: 0.9 } });

describe("crossing a UTC month boundary", () => {
  it("January's full budget refuses a submit at 23:59:55; the same submit just after midnight on 1 February is accepted; usage splits by day", async () => {
    const w = createWorld({ providers: [alpha] });
    w.clock.set(Date.UTC(2025, 0, 31, 23, 59, 50));
    const team = w.teams.seed(credits("10"));
    await setMonthlyBudget(w.ctx, team.teamId, "0.2");
    const budget = { monthlyBudgetMicro: credits("0.2") };

    const january = [await w.submit(team.teamId, "ImageToTextTask", budget), await w.submit(team.teamId, "ImageToTextTask", budget)];
    w.clock.set(Date.UTC(2025, 0, 31, 23, 59, 55));
    const refused = await w.submit(team.teamId, "ImageToTextTask", budget).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).status).toBe(402);
    expect((refused as DomainError).message).toBe("Monthly budget exceeded. Need 0.1, 0 of 0.2 left this month (resets 2025-02-01T00:00:00.000Z)");
    expect(await accountView(w.ctx, w.teams.peek(team.teamId))).toMatchObject({
      monthly_budget: 0.2,
      budget_used: 0.2,
      budget_remaining: 0,
      budget_resets_at: "2025-02-01T00:00:00.000Z",
    });

    // January's tasks are answered after midnight: they still count to January.
    await w.runner.runUntilFinished(january.map((t) => t.task_id));
    expect(w.clock.now()).toBeGreaterThanOrEqual(Date.UTC(2025, 1, 1));
    expect(january.map((t) => w.tasks.peek(t.task_id).status)).toEqual(["completed", "completed"]);

    w.clock.set(Math.max(w.clock.now(), Date.UTC(2025, 1, 1, 0, 0, 30)));
    expect(await accountView(w.ctx, w.teams.peek(team.teamId))).toMatchObject({
      budget_used: 0,
      budget_remaining: 0.2,
      budget_resets_at: "2025-03-01T00:00:00.000Z",
    });
    const february = await w.submit(team.teamId, "ImageToTextTask", budget);
    await w.runner.runUntilFinished(february.task_id);
    expect(await w.teams.monthUsed(team.teamId, "2025-01")).toBe(credits("0.2"));
    expect(await w.teams.monthUsed(team.teamId, "2025-02")).toBe(credits("0.1"));

    const report = await usageReport(w.ctx, { from: "2025-01-31", to: "2025-02-01", group_by: "day" }, { teamId: team.teamId });
    expect((report.rows as Record<string, unknown>[]).map((r) => [r.day, r.tasks, r.completed, r.credits_used])).toEqual([
      ["2025-01-31", 2, 2, 0.2],
      ["2025-02-01", 1, 1, 0.1],
    ]);
    const februaryOnly = await usageReport(w.ctx, { from: "2025-02-01", to: "2025-02-01" }, { teamId: team.teamId });
    expect(februaryOnly.totals).toMatchObject({ tasks: 1, credits_used: 0.1 });
    expect(w.violations).toEqual([]);
  });
});
