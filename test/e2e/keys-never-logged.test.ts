/**
 * Keys never appear in the logs: the whole stack runs with a logger that keeps every line, is
 * driven through key rotation, wrong keys, upstream key errors and failover, and then
 * every line is searched for every key it has seen — the admin key, team keys (live and
 * revoked), keys that were refused, and the upstream providers' keys. Results are searched too.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "@solver-router/core";
import { quietLogger } from "@solver-router/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, startStack, waitForEnd, type LocalStack } from "./support.ts";

const lines: string[] = [];
const echo = quietLogger("error"); // still show errors while the test runs
const capture = (level: keyof Logger): Logger[keyof Logger] => (message, fields) => {
  lines.push(JSON.stringify({ level, message, ...fields }));
  if (level === "error") echo.error(message, fields);
};
const logger: Logger = { info: capture("info"), warn: capture("warn"), error: capture("error") };

describe("keys never logged", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack({ logger });
  });
  afterAll(async () => stack?.stop());

  it("no log line and no result holds any key, through rotation, refused keys, upstream key errors and failover", async () => {
    const admin = client(stack, stack.adminKey);
    const a = await createTeam(stack, "keys-a", 20);
    const b = await createTeam(stack, "keys-b", 20);
    const rotated = await admin.request("POST", `/v2/admin/teams/${a.teamId}/keys`);
    expect(rotated.status).toBe(200);
    expect((await admin.request("DELETE", `/v2/admin/teams/${a.teamId}/keys/${a.apiKey.slice(0, 8)}`)).status).toBe(200);
    const aNew = client(stack, rotated.body.api_key);

    // refused keys: a revoked one, a well-formed unknown one, a malformed one, a wrong admin key
    const unknownKey = randomBytes(16).toString("hex");
    const wrongAdmin = randomBytes(24).toString("hex");
    expect((await a.api.request("GET", "/v2/account")).status).toBe(401);
    expect((await client(stack, unknownKey).request("GET", "/v2/account")).status).toBe(401);
    expect((await client(stack, `${unknownKey}-not-a-key`).request("POST", "/v2/solver/image", { body: { image: fakeImage() } })).status).toBe(401);
    expect((await client(stack, wrongAdmin).request("GET", "/v2/admin/teams")).status).toBe(401);

    // a normal task, then both twocaptcha upstreams refusing the router's key (cooldown, failover
    // or failure), then an outage (HTTP 500) on one of them
    const results: { task_id: string }[] = [];
    const solved = await aNew.request("POST", "/v2/solver/image", { body: { image: fakeImage() } });
    results.push(await waitForEnd(aNew, solved.body.task_id));
    stack.sandboxes.twocaptcha!.setFault("bad_key");
    stack.sandboxes.solvecaptcha!.setFault("bad_key");
    try {
      const refused = await b.api.request("POST", "/v2/solver/text", { body: { question: "2 + 2 = ?" } });
      expect(refused.status).toBe(200);
      results.push(await waitForEnd(b.api, refused.body.task_id));
    } finally {
      stack.sandboxes.twocaptcha!.setFault(null);
      stack.sandboxes.solvecaptcha!.setFault(null);
    }
    // hCaptcha: AceData refuses the token, SmartCaptcha answers 401, the rest answers
    stack.sandboxes.acedata!.setFault("invalid_token");
    stack.sandboxes.solverv2!.setFault("unauthorized");
    try {
      const hcaptcha = await b.api.request("POST", "/v2/solver/hcaptcha/image", { body: { images: [fakeImage()], question: "bus", priority: "speed" } });
      results.push(await waitForEnd(b.api, hcaptcha.body.task_id));
    } finally {
      stack.sandboxes.acedata!.setFault(null);
      stack.sandboxes.solverv2!.setFault(null);
    }
    const report = await aNew.request("POST", `/v2/solver/task/${solved.body.task_id}/report`, { body: { correct: false } });
    expect(report.status).toBe(200);

    // the capture really holds the API's and the worker's lines
    const messages = lines.map((line) => (JSON.parse(line) as { message: string }).message);
    expect(messages).toContain("task ended");
    expect(messages).toContain("provider cooling down");
    expect(lines.some((line) => line.includes("ERROR_KEY_DOES_NOT_EXIST"))).toBe(true);

    const keys = {
      admin: stack.adminKey,
      "wrong admin key": wrongAdmin,
      "team a (revoked)": a.apiKey,
      "team a (rotated)": rotated.body.api_key as string,
      "team b": b.apiKey,
      "unknown team key": unknownKey,
      ...Object.fromEntries(stack.providers.map((p) => [`provider ${p.id}`, p.apiKey])),
    };
    expect(new Set(Object.values(keys)).size).toBeGreaterThanOrEqual(7);
    const leaks = Object.entries(keys).flatMap(([name, key]) => [
      ...lines.filter((line) => line.includes(key)).map((line) => `${name} in log line ${line}`),
      ...results.filter((r) => JSON.stringify(r).includes(key)).map((r) => `${name} in result ${r.task_id}`),
    ]);
    expect(leaks).toEqual([]);
  });
});
