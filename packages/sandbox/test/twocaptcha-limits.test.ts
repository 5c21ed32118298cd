// The 2Captcha-protocol sandbox's request limits, over HTTP, with a fake clock: the documented
// "Request limits" table (MAX_USER_TURN for 10 s after more than 60 in.php requests within 3 s,
// ERROR: 1005 when res.php requests R > C × 20 + 1200, ERROR: 1001 / 1002 / 1004).
import { afterEach, describe, expect, it } from "vitest";
import { startTwocaptchaSandbox, type TwocaptchaSandbox, type TwocaptchaSandboxOptions } from "../src/twocaptcha-sandbox.ts";

const KEY = "1abc234de56fab7c89012d34e56fa7b8";
const IMAGE = Buffer.alloc(256, 3).toString("base64");

let sandbox: TwocaptchaSandbox | undefined;
let now = 1_700_000_000_000;

async function start(options: TwocaptchaSandboxOptions = {}) {
  sandbox = await startTwocaptchaSandbox({ apiKey: KEY, now: () => now, ...options });
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
  }).then((r) => r.text());
const res = (params: Record<string, string>) => fetch(`${sandbox!.url}/res.php?${new URLSearchParams({ key: KEY, ...params })}`).then((r) => r.text());

describe("twocaptcha sandbox: in.php limit (MAX_USER_TURN)", () => {
  it("answers MAX_USER_TURN to the 61st in.php request within 3 s, plain and json=1, for 10 s", async () => {
    await start({ enforceLimits: true });
    const t0 = now;
    for (let i = 0; i < 60; i++) {
      now += 10; // 60 requests in 600 ms
      expect(await submit()).toMatch(/^OK\|\d+$/);
    }
    now += 10;
    expect(await submit()).toBe("MAX_USER_TURN");
    expect(JSON.parse(await submit({ json: "1" }))).toEqual({ status: 0, request: "MAX_USER_TURN" });

    now += 9_900; // still inside the 10 s block
    expect(await submit()).toBe("MAX_USER_TURN");
    now += 200; // the block has ended and the 3 s window is empty again
    expect(await submit()).toMatch(/^OK\|\d+$/);

    const limits = sandbox!.limits();
    expect(limits.blocks).toEqual([{ code: "MAX_USER_TURN", from: t0 + 610, until: t0 + 10_610 }]);
    expect(limits.uploads).toBe(61);
    expect(limits.blockedAnswers).toBe(3);
    expect(limits.maxInPhpPerWindow).toBe(62);
  });

  it("lets 60 in.php requests through in every 3 s window when they are spread out", async () => {
    await start({ enforceLimits: true });
    for (let i = 0; i < 200; i++) {
      now += 50; // 20 per second = 60 per 3 s, never more
      expect(await submit()).toMatch(/^OK\|\d+$/);
    }
    expect(sandbox!.limits()).toMatchObject({ maxInPhpPerWindow: 60, blocks: [], uploads: 200 });
  });

  it("only counts when the limits are off (the default), and counts every in.php request", async () => {
    await start();
    for (let i = 0; i < 70; i++) expect(await submit()).toMatch(/^OK\|\d+$/);
    expect(sandbox!.limits()).toMatchObject({ inPhpRequests: 70, maxInPhpPerWindow: 70, blocks: [], blockedAnswers: 0 });
  });
});

describe("twocaptcha sandbox: res.php limit (ERROR: 1005) and the error-count blocks", () => {
  it("blocks the account for 5 minutes once R > C × 20 + 1200, getbalance included, then counts again", async () => {
    // Small figures, same rule: R > C × 2 + 3.
    await start({ enforceLimits: { resPhpPerCaptcha: 2, resPhpAllowance: 3 } });
    const id = (await submit()).slice(3);
    for (let i = 0; i < 4; i++) expect(await res({ action: "get", id })).toBe("CAPCHA_NOT_READY");
    expect(await res({ action: "getbalance" })).toBe("100"); // R = 5 = 1 × 2 + 3: still allowed
    expect(await res({ action: "getbalance" })).toBe("ERROR: 1005"); // R = 6 > 5
    expect(JSON.parse(await res({ action: "get", id, json: "1" }))).toEqual({ status: 0, request: "ERROR: 1005" });
    expect(await submit()).toBe("ERROR: 1005"); // the account is suspended: in.php too
    now += 5 * 60_000;
    expect(await res({ action: "get", id })).toBe(`OK|sandbox-${id}`);
    expect(sandbox!.limits().blocks.map((b) => [b.code, b.until - b.from])).toEqual([["ERROR: 1005", 300_000]]);
  });

  it("ERROR: 1001 after 120 ERROR_NO_SLOT_AVAILABLE in a minute, ERROR: 1004 after 5 wrong keys", async () => {
    await start({ enforceLimits: true });
    sandbox!.setFault("no_slot");
    for (let i = 0; i < 120; i++) {
      now += 400; // 120 in 48 s, under the in.php limit
      expect(await submit()).toBe("ERROR_NO_SLOT_AVAILABLE");
    }
    sandbox!.setFault(null);
    now += 400;
    expect(await submit()).toBe("ERROR: 1001");
    now += 10 * 60_000;
    expect(await submit()).toMatch(/^OK\|\d+$/);

    const wrong = "ffffffffffffffffffffffffffffffff";
    for (let i = 0; i < 5; i++) expect(await submit({ key: wrong })).toBe("ERROR_KEY_DOES_NOT_EXIST");
    expect(await submit()).toBe("ERROR: 1004"); // the IP, whatever the key
    now += 10 * 60_000;
    expect(await submit()).toMatch(/^OK\|\d+$/);
    expect(sandbox!.limits().blocks.map((b) => b.code)).toEqual(["ERROR: 1001", "ERROR: 1004"]);
  });

  it("tokenQueueLimit: ERROR_NO_SLOT_AVAILABLE for token captchas while the queue is full; ERROR: 1003 once those errors are ≥ 120 and ≥ 3 × uploads in a minute", async () => {
    // Small figures, same rule: at least 5 errors and three times the uploads.
    await start({ enforceLimits: { errorsPerMinute: 5 }, tokenQueueLimit: 2 });
    const turnstile = { method: "turnstile", sitekey: "0x4AAAA", pageurl: "https://a.example/" };
    expect(await submit(turnstile)).toMatch(/^OK\|\d+$/);
    expect(await submit(turnstile)).toMatch(/^OK\|\d+$/);
    expect(await submit(turnstile)).toBe("ERROR_NO_SLOT_AVAILABLE");
    expect(await submit()).toMatch(/^OK\|\d+$/); // images are not in the token queue; 3 uploads now
    for (let i = 2; i <= 9; i++) expect(await submit(turnstile)).toBe("ERROR_NO_SLOT_AVAILABLE"); // 9 errors = 3 × 3 uploads
    expect(await submit()).toBe("ERROR: 1003");
    now += 30_000; // the block ends, and the two tokens have been solved meanwhile
    expect(await submit(turnstile)).toMatch(/^OK\|\d+$/);
    expect(sandbox!.limits().blocks.map((b) => [b.code, b.until - b.from])).toEqual([["ERROR: 1003", 30_000]]);
  });

  it("ERROR: 1002 after 120 ERROR_ZERO_BALANCE in a minute", async () => {
    await start({ enforceLimits: true });
    sandbox!.setFault("zero_balance");
    for (let i = 0; i < 120; i++) {
      now += 400;
      expect(await submit()).toBe("ERROR_ZERO_BALANCE");
    }
    sandbox!.setFault(null);
    expect(await res({ action: "getbalance" })).toBe("ERROR: 1002");
    now += 5 * 60_000;
    expect(await res({ action: "getbalance" })).toBe("100");
  });
});
