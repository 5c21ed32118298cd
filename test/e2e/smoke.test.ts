import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, fakeImage, startStack, waitForEnd, type LocalStack } from "./support.ts";

describe("the local stack as `pnpm start` runs it", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  it("is healthy, has a demo team and solves a task through the built-in sandboxes", async () => {
    expect(stack.demo?.apiKey).toMatch(/^[0-9a-f]{32}$/);
    const api = client(stack, stack.demo!.apiKey);
    expect((await api.request("GET", "/health", { key: null })).body).toEqual({ status: "ok" });
    const submitted = await api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: "pending", message: "Task submitted successfully" });
    const result = await waitForEnd(api, submitted.body.task_id);
    expect(result).toMatchObject({ status: "completed", captcha_type: "ImageToTextTask", error: null });
    expect(result.solution.text).toEqual(expect.any(String));
    const account = await api.request("GET", "/v2/account");
    expect(account.body.balance + result.credits_used).toBeCloseTo(100, 6);
    expect(account.body.reserved).toBe(0);
  });

  it("lists a team's keys by prefix only, follows issue and revoke, and 404s an unknown team", async () => {
    const admin = client(stack, stack.adminKey);
    const created = (await admin.request("POST", "/v2/admin/teams", { body: { name: "keys", credits: 1 } })).body;
    const list = async () => (await admin.request("GET", `/v2/admin/teams/${created.team_id}/keys`)).body;
    expect(await list()).toEqual({ team_id: created.team_id, keys: [{ key_prefix: created.api_key.slice(0, 8), created_at: expect.any(String) }] });
    const second = (await admin.request("POST", `/v2/admin/teams/${created.team_id}/keys`)).body;
    const both = await list();
    expect(new Set(both.keys.map((k: { key_prefix: string }) => k.key_prefix))).toEqual(new Set([created.api_key.slice(0, 8), second.key_prefix]));
    expect(JSON.stringify(both)).not.toContain(created.api_key);
    expect((await admin.request("DELETE", `/v2/admin/teams/${created.team_id}/keys/${created.api_key.slice(0, 8)}`)).status).toBe(200);
    expect((await list()).keys.map((k: { key_prefix: string }) => k.key_prefix)).toEqual([second.key_prefix]);
    expect((await admin.request("GET", "/v2/admin/teams/no-such-team/keys")).status).toBe(404);
  });

  it("reads a JSON body sent without a JSON Content-Type (curl -d '{…}'), and refuses a real form with 415", async () => {
    const headers = { authorization: `Bearer ${stack.demo!.apiKey}` };
    const body = JSON.stringify({ image: fakeImage() });
    for (const type of [undefined, "text/plain", "application/x-www-form-urlencoded"]) {
      const response = await fetch(`${stack.apiUrl}/v2/solver/image`, { method: "POST", headers: { ...headers, ...(type ? { "content-type": type } : {}) }, body });
      expect(response.status, String(type)).toBe(200);
      await response.body?.cancel();
    }
    const form = await fetch(`${stack.apiUrl}/v2/solver/image`, { method: "POST", headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, body: "image=abc" });
    expect(form.status).toBe(415);
    expect(await form.json()).toEqual({ detail: "Request body must be JSON (Content-Type: application/json)" });
  });
});
