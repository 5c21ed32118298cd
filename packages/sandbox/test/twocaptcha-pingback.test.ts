// The 2Captcha-protocol sandbox's pingback, over HTTP with a real receiver: registration with
// res.php?action=add_pingback / get_pingback / del_pingback, and the urlencoded POST of
// `id=…&code=…` to the captcha's pingback URL once it is solved (the 2Captcha API documentation, "Pingback").
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTwocaptchaSandbox, type TwocaptchaSandbox, type TwocaptchaSandboxOptions } from "../src/twocaptcha-sandbox.ts";

const KEY = "1abc234de56fab7c89012d34e56fa7b8";
const IMAGE = Buffer.alloc(256, 3).toString("base64");

interface Received {
  path: string;
  contentType: string | undefined;
  body: string;
}
const received: Received[] = [];
let receiver: Server;
let receiverPort: number;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      received.push({ path: request.url ?? "", contentType: request.headers["content-type"], body });
      response.end("OK");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverPort = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

let sandbox: TwocaptchaSandbox | undefined;
async function start(options: TwocaptchaSandboxOptions = {}) {
  received.length = 0;
  sandbox = await startTwocaptchaSandbox({ apiKey: KEY, solveAfterMs: 50, ...options });
  return sandbox;
}
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const submit = (extra: Record<string, string> = {}) =>
  fetch(`${sandbox!.url}/in.php`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ key: KEY, method: "base64", body: IMAGE, ...extra }).toString(),
  })
    .then((r) => r.text())
    .then((text) => {
      expect(text).toMatch(/^OK\|\d+$/);
      return text.slice(3);
    });
const res = (params: Record<string, string>) => fetch(`${sandbox!.url}/res.php?${new URLSearchParams({ key: KEY, ...params })}`).then((r) => r.text());

async function until(condition: () => boolean, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const pingbackUrl = (path: string) => `http://127.0.0.1:${receiverPort}${path}`;

describe("twocaptcha sandbox: pingback", () => {
  it("POSTs id=…&code=… urlencoded to the pingback URL once the captcha is solved", async () => {
    await start();
    const id = await submit({ pingback: pingbackUrl("/v2/upstream/pingback/tok-1") });
    await until(() => received.length === 1, "the pingback");
    expect(received[0]).toEqual({
      path: "/v2/upstream/pingback/tok-1",
      contentType: "application/x-www-form-urlencoded",
      body: new URLSearchParams({ id, code: `sandbox-${id}` }).toString(),
    });
    await until(() => sandbox!.stats()[id]!.pingback?.status === "sent", "the pingback outcome");
    const stats = sandbox!.stats()[id]!;
    expect(stats).toMatchObject({ pingbackUrl: pingbackUrl("/v2/upstream/pingback/tok-1"), pingback: { status: "sent", httpStatus: 200 } });
    expect(stats.solvedAt).toBe(stats.readyAt);
    expect(stats.answer).toBe(`sandbox-${id}`);
    expect(stats.readyAt - stats.submittedAt).toBe(50);
  });

  it("sends no pingback for a captcha that ends unsolvable", async () => {
    await start();
    const id = await submit({ method: "userrecaptcha", googlekey: "6Le-SANDBOX_UNSOLVABLE", pageurl: "https://a.example/", pingback: pingbackUrl("/x") });
    await until(() => sandbox!.stats()[id]!.pingback?.status === "not_solved", "the unsolvable outcome");
    expect(received).toEqual([]);
    expect(sandbox!.stats()[id]!.solvedAt).toBeUndefined();
  });

  it("with registration required: only hosts registered with add_pingback get answers; get_pingback and del_pingback manage the list", async () => {
    await start({ requirePingbackRegistration: true });
    const unregistered = await submit({ pingback: pingbackUrl("/before") });
    await until(() => sandbox!.stats()[unregistered]!.pingback?.status === "unregistered", "the unregistered outcome");
    expect(received).toEqual([]);

    expect(await res({ action: "add_pingback", addr: "127.0.0.1" })).toBe("OK"); // a domain/IP is enough
    expect(JSON.parse(await res({ action: "get_pingback", json: "1" }))).toEqual({ status: 1, request: ["127.0.0.1"] });
    expect(await res({ action: "add_pingback" })).toBe("ERROR_BAD_PARAMETERS");

    const registered = await submit({ pingback: pingbackUrl("/after?task=1") });
    await until(() => received.length === 1, "the registered pingback");
    expect(received[0]!.path).toBe("/after?task=1");
    expect(received[0]!.body).toBe(`id=${registered}&code=sandbox-${registered}`);

    expect(await res({ action: "add_pingback", addr: "http://localhost/pingback/url/" })).toBe("OK");
    expect(await res({ action: "get_pingback" })).toBe("127.0.0.1,http://localhost/pingback/url/");
    expect(await res({ action: "del_pingback", addr: "all" })).toBe("OK");
    expect(sandbox!.pingbackAddresses()).toEqual([]);
    const afterDelete = await submit({ pingback: pingbackUrl("/gone") });
    await until(() => sandbox!.stats()[afterDelete]!.pingback?.status === "unregistered", "the deleted registration");
    expect(received).toHaveLength(1);
  });

  it("refusePingbackRegistration: add_pingback answers ERROR_IP_ADDRES (plain and json=1) and nothing is registered", async () => {
    await start({ requirePingbackRegistration: true, refusePingbackRegistration: true });
    expect(await res({ action: "add_pingback", addr: "127.0.0.1" })).toBe("ERROR_IP_ADDRES");
    expect(JSON.parse(await res({ action: "add_pingback", addr: "127.0.0.1", json: "1" }))).toEqual({ status: 0, request: "ERROR_IP_ADDRES" });
    expect(sandbox!.pingbackAddresses()).toEqual([]);
    const id = await submit({ pingback: pingbackUrl("/refused") });
    await until(() => sandbox!.stats()[id]!.pingback?.status === "unregistered", "the refused outcome");
    expect(received).toEqual([]);
    expect(await res({ action: "get", id })).toBe(`OK|sandbox-${id}`); // polling still answers
  });

  it("dropPingbackShare loses that share of pingbacks, the same ones for the same seed", async () => {
    const run = async (seed: number) => {
      await start({ dropPingbackShare: 0.5, seed });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push(await submit({ pingback: pingbackUrl(`/p/${i}`) }));
      await until(() => ids.every((id) => ["sent", "dropped"].includes(sandbox!.stats()[id]!.pingback?.status ?? "")), "every outcome");
      const dropped = ids.map((id, i) => (sandbox!.stats()[id]!.pingback!.status === "dropped" ? i : -1)).filter((i) => i >= 0);
      expect(received).toHaveLength(40 - dropped.length);
      await sandbox!.close();
      sandbox = undefined;
      return dropped;
    };
    const first = await run(7);
    expect(first.length).toBeGreaterThan(10);
    expect(first.length).toBeLessThan(30);
    expect(await run(7)).toEqual(first);
  });
});
