import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedCallbackSender } from "../src/callbacks/callback-sender.ts";
import { callbackUrlProblem, isPublicAddress } from "../src/callbacks/target-policy.ts";

const strict = { allowPrivate: false, httpsOnly: false };

describe("callback target policy", () => {
  it("passes public unicast addresses only, IPv4-mapped IPv6 unwrapped", () => {
    for (const address of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"]) expect(isPublicAddress(address), address).toBe(true);
    const refused = [
      "127.0.0.1", "127.5.5.5", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "100.64.0.1", "100.127.255.254",
      "169.254.169.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
      "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "not-an-address",
    ];
    for (const address of refused) expect(isPublicAddress(address), address).toBe(false);
  });

  it("resolves host names and refuses one resolving to any non-public address; refuses unresolvable names", async () => {
    const resolver = (answers: Record<string, string[]>) => async (host: string) => {
      const found = answers[host];
      if (!found) throw new Error("ENOTFOUND");
      return found;
    };
    const dns = resolver({ "rebind.example": ["93.184.216.34", "127.0.0.1"], "public.example": ["93.184.216.34"], "mapped.example": ["::ffff:192.168.1.1"] });
    expect(await callbackUrlProblem("https://public.example/hook", strict, dns)).toBeUndefined();
    expect(await callbackUrlProblem("https://rebind.example/hook", strict, dns)).toMatch(/resolves to 127\.0\.0\.1/);
    expect(await callbackUrlProblem("https://mapped.example/hook", strict, dns)).toMatch(/not a public address/);
    expect(await callbackUrlProblem("https://nowhere.example/hook", strict, dns)).toMatch(/could not be resolved/);
    expect(await callbackUrlProblem("http://localhost:1/hook", strict)).toMatch(/resolves to 127\.0\.0\.1/);
  });

  it("accepts only https when told to, never credentials in the URL, and lifts the address rule with allowPrivate", async () => {
    expect(await callbackUrlProblem("http://93.184.216.34/hook", { allowPrivate: false, httpsOnly: true })).toBe("must be an https URL");
    expect(await callbackUrlProblem("https://93.184.216.34/hook", { allowPrivate: false, httpsOnly: true })).toBeUndefined();
    expect(await callbackUrlProblem("ftp://93.184.216.34/hook", strict)).toBe("must be an http or https URL");
    expect(await callbackUrlProblem("https://user:pw@93.184.216.34/", strict)).toMatch(/user name or password/);
    expect(await callbackUrlProblem("http://127.0.0.1:1/hook", { allowPrivate: true, httpsOnly: false })).toBeUndefined();
  });
});

describe("signed callback sender against a real receiver on loopback", () => {
  const received: { headers: Record<string, string | string[] | undefined>; body: string; url: string }[] = [];
  let redirectTo = "";
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      received.push({ headers: request.headers, body, url: request.url ?? "" });
      if (request.url === "/redirect") response.writeHead(307, { location: redirectTo }).end();
      else response.writeHead(204).end();
    });
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    redirectTo = `http://127.0.0.1:${port}/target`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const sender = (allowPrivate: boolean) =>
    signedCallbackSender({ policy: { allowPrivate, httpsOnly: false }, secretFor: async (team) => (team === "t1" ? "whsec_test" : undefined), now: () => 1_700_000_000_000 });

  it("signs the raw body as t=<unix s>,v1=HMAC(secret, t.body) and sends the event id", async () => {
    const sent = await sender(true).post(`http://127.0.0.1:${port}/hook`, { task_id: "abc", status: "completed" }, { teamId: "t1", eventId: "evt_abc_completed" });
    expect(sent).toEqual({ ok: true, status: 204 });
    const last = received.at(-1)!;
    expect(last.headers["x-router-event-id"]).toBe("evt_abc_completed");
    const expected = createHmac("sha256", "whsec_test").update(`1700000000.${last.body}`).digest("hex");
    expect(last.headers["x-router-signature"]).toBe(`t=1700000000,v1=${expected}`);
  });

  it("checks the address actually connected to: a name resolving to loopback is refused at send time, nothing arrives", async () => {
    const before = received.length;
    const sent = await sender(false).post(`http://localhost:${port}/hook`, { task_id: "x" }, { teamId: "t1", eventId: "e" });
    expect(sent).toEqual({ ok: false, error: "ECALLBACKREFUSED" });
    const literal = await sender(false).post(`http://127.0.0.1:${port}/hook`, { task_id: "x" }, { teamId: "t1", eventId: "e" });
    expect(literal.ok).toBe(false);
    expect(received.length).toBe(before);
  });

  it("does not follow redirects", async () => {
    const before = received.length;
    const sent = await sender(true).post(`http://127.0.0.1:${port}/redirect`, {}, { teamId: "t1", eventId: "e" });
    expect(sent).toEqual({ ok: false, status: 307 });
    expect(received.slice(before).map((r) => r.url)).toEqual(["/redirect"]);
  });
});
