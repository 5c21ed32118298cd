/**
 * Callbacks: refused at submit on non-public addresses (ROUTER_CALLBACK_ALLOW_PRIVATE=0), with
 * nothing charged; signed with the team's callback secret; one event id across retries.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, startStack, type LocalStack } from "./support.ts";

describe("callback URLs with ROUTER_CALLBACK_ALLOW_PRIVATE=0", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack({ callbackAllowPrivate: false });
  });
  afterAll(async () => stack?.stop());

  const refused = [
    "http://127.0.0.1:9/hook",
    "http://localhost:8080/hook",
    "http://[::1]:8080/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://224.0.0.1/hook",
  ];

  it("refuses each non-public target with a 400 naming callback_url, and charges nothing", async () => {
    const { api } = await createTeam(stack, "ssrf", 10);
    for (const url of refused) {
      const answer = await api.request("POST", "/v2/solver/image", { body: { image: fakeImage(), callback_url: url } });
      expect(answer.status, url).toBe(400);
      expect(answer.body.detail, url).toMatch(/^callback_url: /);
    }
    const generic = await api.request("POST", "/v2/solver/task", { body: { type: "ImageToTextTask", image: fakeImage(), callback_url: "http://127.0.0.1/x" } });
    expect(generic.status).toBe(400);
    expect((await api.request("GET", "/v2/account")).body).toMatchObject({ balance: 10, reserved: 0 });
    expect((await api.request("GET", "/v2/solver/tasks")).body.total).toBe(0);
  });
});

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

describe("signed callbacks with ROUTER_CALLBACK_ALLOW_PRIVATE=1 (the local default)", () => {
  let stack: LocalStack;
  const deliveries: Delivery[] = [];
  let failFirst = 0;
  const receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      deliveries.push({ headers: request.headers, body });
      response.writeHead(deliveries.length <= failFirst ? 503 : 200).end();
    });
  });
  let hookUrl = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const verify = (secret: string, delivery: Delivery) => {
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivery.headers["x-router-signature"]));
    if (!match) return false;
    const expected = createHmac("sha256", secret).update(`${match[1]}.${delivery.body}`).digest("hex");
    return expected === match[2];
  };

  const waitFor = async (what: () => boolean, timeoutMs: number) => {
    const started = Date.now();
    while (!what()) {
      if (Date.now() - started > timeoutMs) throw new Error("timed out");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  it("signs every attempt with the team's callback_secret and keeps one event id across retries", async () => {
    const admin = client(stack, stack.adminKey);
    const created = (await admin.request("POST", "/v2/admin/teams", { body: { name: "hooks", credits: 5 } })).body;
    expect(created.callback_secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const api = client(stack, created.api_key);
    // The secret is shown once: no team view carries it.
    expect(JSON.stringify((await admin.request("GET", "/v2/admin/teams")).body)).not.toContain(created.callback_secret);
    expect(JSON.stringify((await api.request("GET", "/v2/account")).body)).not.toContain(created.callback_secret);

    failFirst = 2;
    const submitted = await api.request("POST", "/v2/solver/image", { body: { image: fakeImage(), callback_url: hookUrl } });
    expect(submitted.status).toBe(200);
    await waitFor(() => deliveries.length >= 3, 90_000);
    const attempts = deliveries.slice(0, 3);
    expect(attempts.every((d) => verify(created.callback_secret, d))).toBe(true);
    expect(attempts.some((d) => verify("whsec_" + "0".repeat(64), d))).toBe(false);
    const ids = new Set(attempts.map((d) => d.headers["x-router-event-id"]));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toEqual(expect.stringContaining(submitted.body.task_id));
    expect(JSON.parse(attempts[2]!.body)).toMatchObject({ task_id: submitted.body.task_id, status: "completed" });

    // Rotation: the next event is signed with the new secret only.
    const rotated = (await admin.request("POST", `/v2/admin/teams/${created.team_id}/callback-secret`)).body;
    expect(rotated.callback_secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(rotated.callback_secret).not.toBe(created.callback_secret);
    const next = await api.request("POST", "/v2/solver/image", { body: { image: fakeImage(), callback_url: hookUrl } });
    await waitFor(() => deliveries.some((d) => JSON.parse(d.body).task_id === next.body.task_id), 60_000);
    const latest = deliveries.find((d) => JSON.parse(d.body).task_id === next.body.task_id)!;
    expect(verify(rotated.callback_secret, latest)).toBe(true);
    expect(verify(created.callback_secret, latest)).toBe(false);
    expect((await admin.request("POST", "/v2/admin/teams/no-such-team/callback-secret")).status).toBe(404);
  });
});
