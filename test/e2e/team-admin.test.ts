/** Suspending and resuming a team; taking credits back (a negative amount). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, startStack, waitForEnd, type LocalStack } from "./support.ts";

describe("team administration", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  it("a suspended team's key gets 401 Team suspended while its in-flight task finishes; resumed, the key works again", async () => {
    const admin = client(stack, stack.adminKey);
    const { teamId, api } = await createTeam(stack, "paused", 5);
    const submitted = await api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } });
    expect(submitted.status).toBe(200);

    expect((await admin.request("POST", `/v2/admin/teams/${teamId}/suspend`)).body).toEqual({ team_id: teamId, name: "paused", suspended: true });
    const listed = (await admin.request("GET", "/v2/admin/teams")).body.teams.find((t: { team_id: string }) => t.team_id === teamId);
    expect(listed).toMatchObject({ suspended: true });
    for (const [method, path] of [["GET", "/v2/account"], ["GET", `/v2/solver/result/${submitted.body.task_id}`], ["POST", "/v2/solver/image"]] as const) {
      const refused = await api.request(method, path, method === "POST" ? { body: { image: fakeImage() } } : {});
      expect(refused.status, path).toBe(401);
      expect(refused.body).toEqual({ detail: "Team suspended" });
    }
    // The task submitted before the suspension still runs to its end (read from the table).
    const started = Date.now();
    while ((await stack.ctx.tasks.get(submitted.body.task_id))?.status !== "completed") {
      if (Date.now() - started > 60_000) throw new Error("the in-flight task did not finish");
      await new Promise((resolve) => setTimeout(resolve, 300));
    }

    expect((await admin.request("POST", `/v2/admin/teams/${teamId}/resume`)).body).toMatchObject({ suspended: false });
    expect((await waitForEnd(api, submitted.body.task_id)).status).toBe("completed");
    expect((await api.request("GET", "/v2/account")).status).toBe(200);
    expect((await admin.request("POST", "/v2/admin/teams/nobody/suspend")).status).toBe(404);
  });

  it("a negative amount takes credits back, never below what unfinished tasks reserved: a 400 naming amount otherwise", async () => {
    const admin = client(stack, stack.adminKey);
    const { teamId, api } = await createTeam(stack, "refund-me", 1);
    // A reCAPTCHA task's first result check comes after 20 s: it holds its reservation meanwhile.
    const open = await api.request("POST", "/v2/solver/recaptcha/v2", { body: { site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: "https://example.com/" } });
    expect(open.status).toBe(200);
    const account = (await api.request("GET", "/v2/account")).body;
    expect(account.reserved).toBeGreaterThan(0);

    const tooMuch = await admin.request("POST", `/v2/admin/teams/${teamId}/credits`, { body: { amount: -(account.balance + 0.01) } });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.detail).toMatch(/^amount: cannot take back/);
    expect((await api.request("GET", "/v2/account")).body).toMatchObject({ balance: account.balance, reserved: account.reserved });

    const taken = await admin.request("POST", `/v2/admin/teams/${teamId}/credits`, { body: { amount: -account.balance } });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ balance: 0, reserved: account.reserved });
    const ledger = (await api.request("GET", "/v2/ledger")).body;
    expect(ledger.entries.filter((e: { kind: string }) => e.kind === "credit").map((e: { amount: number }) => e.amount)).toEqual([1, -account.balance]);
  });
});
