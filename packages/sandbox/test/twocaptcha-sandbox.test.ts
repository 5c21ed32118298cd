// The twocaptcha sandbox speaks the protocol as 2Captcha's documentation writes it: plain text by default,
// JSON with json=1, in.php by POST (urlencoded, multipart, JSON) or GET.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwocaptchaSandbox, type TwocaptchaSandbox } from "../src/twocaptcha-sandbox.ts";

const KEY = "1abc234de56fab7c89012d34e56fa7b8";
const IMAGE = Buffer.alloc(256, 3).toString("base64");

let sandbox: TwocaptchaSandbox;
let now = 1_700_000_000_000;

beforeAll(async () => {
  sandbox = await startTwocaptchaSandbox({ apiKey: KEY, now: () => now, name: "sandbox-under-test" });
});
afterAll(() => sandbox.close());

const form = (params: Record<string, string>) =>
  fetch(`${sandbox.url}/in.php`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  }).then((r) => r.text());
const res = (params: Record<string, string>) => fetch(`${sandbox.url}/res.php?${new URLSearchParams(params)}`).then((r) => r.text());

describe("twocaptcha sandbox", () => {
  it("answers plain text without json=1 and JSON with it", async () => {
    const plain = await form({ key: KEY, method: "base64", body: IMAGE });
    expect(plain).toMatch(/^OK\|\d+$/);
    const id = plain.slice(3);
    expect(await res({ key: KEY, action: "get", id })).toBe("CAPCHA_NOT_READY");
    expect(JSON.parse(await res({ key: KEY, action: "get", id, json: "1" }))).toEqual({ status: 0, request: "CAPCHA_NOT_READY" });

    now += 1000; // default solve time for image captchas
    expect(await res({ key: KEY, action: "get", id })).toBe(`OK|sandbox-${id}`);
    expect(JSON.parse(await res({ key: KEY, action: "get", id, json: "1" }))).toEqual({ status: 1, request: `sandbox-${id}` });
    expect(await res({ key: KEY, action: "get2", id })).toBe(`OK|sandbox-${id}|0.001`);
    expect(JSON.parse(await res({ key: KEY, action: "get2", id, json: "1" }))).toEqual({ status: 1, request: `sandbox-${id}`, price: "0.001" });
    expect(sandbox.stats()[id]!.resultRequests).toHaveLength(6);
  });

  it("takes in.php as GET, as multipart with a file and as a JSON body", async () => {
    const viaGet = await fetch(
      `${sandbox.url}/in.php?${new URLSearchParams({ key: KEY, method: "userrecaptcha", googlekey: "6Le-wvkSVVABCPBMRTvw0Q4Muexq1bi0DJwx_mJ-", pageurl: "http://mysite.com/page/with/recaptcha" })}`,
    ).then((r) => r.text());
    expect(viaGet).toMatch(/^OK\|\d+$/);

    const multipart = new FormData();
    multipart.set("key", KEY);
    multipart.set("method", "post");
    multipart.set("coordinatescaptcha", "1");
    multipart.set("file", new Blob([Buffer.alloc(500, 9)], { type: "image/png" }), "captcha.png");
    const viaMultipart = await fetch(`${sandbox.url}/in.php`, { method: "POST", body: multipart }).then((r) => r.text());
    expect(viaMultipart).toMatch(/^OK\|\d+$/);
    expect(sandbox.requests.at(-1)!.params.file).toBe("[file 500 bytes]");

    const viaJson = await fetch(`${sandbox.url}/in.php`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: "turnstile", key: KEY, sitekey: "3x00000000000000000000FF", pageurl: "https://2captcha.com/demo/cloudflare-turnstile", json: 1 }),
    }).then((r) => r.json() as Promise<{ status: number; request: string }>);
    expect(viaJson).toEqual({ status: 1, request: expect.stringMatching(/^\d+$/) });

    now += 3000;
    const turnstile = JSON.parse(await res({ key: KEY, action: "get", id: viaJson.request, json: "1" }));
    expect(turnstile).toEqual({ status: 1, request: expect.stringMatching(/^0\./), useragent: expect.stringContaining("Mozilla") });
    const coordinates = await res({ key: KEY, action: "get", id: viaMultipart.slice(3) });
    expect(coordinates).toMatch(/^OK\|coordinate:x=\d+,y=\d+;x=\d+,y=\d+$/);
  });

  it("validates like the document", async () => {
    expect(await form({ key: "short", method: "base64", body: IMAGE })).toBe("ERROR_WRONG_USER_KEY");
    expect(await form({ key: "ffffffffffffffffffffffffffffffff", method: "base64", body: IMAGE })).toBe("ERROR_KEY_DOES_NOT_EXIST");
    expect(await form({ key: KEY, method: "base64", body: Buffer.alloc(99).toString("base64") })).toBe("ERROR_ZERO_CAPTCHA_FILESIZE");
    expect(await form({ key: KEY, method: "base64", body: "***not base64***" })).toBe("ERROR_UPLOAD");
    expect(await form({ key: KEY, method: "base64", body: Buffer.alloc(700 * 1024).toString("base64") })).toBe("ERROR_TOO_BIG_CAPTCHA_FILESIZE");
    expect(await form({ key: KEY, method: "userrecaptcha", pageurl: "https://a.example/" })).toBe("ERROR_WRONG_GOOGLEKEY");
    expect(await form({ key: KEY, method: "userrecaptcha", googlekey: " ", pageurl: "https://a.example/" })).toBe("ERROR_GOOGLEKEY");
    expect(await form({ key: KEY, method: "userrecaptcha", googlekey: "6LeAAAAAAAAAAAAA" })).toBe("ERROR_PAGEURL");
    expect(await form({ key: KEY, method: "userrecaptcha", version: "v3", googlekey: "6LeAAAAAAAAAAAAA", pageurl: "https://a.example/", min_score: "2" })).toBe(
      "ERROR_BAD_PARAMETERS",
    );
    expect(await form({ key: KEY, method: "turnstile", pageurl: "https://a.example/" })).toBe("ERROR_BAD_PARAMETERS");
    expect(await form({ key: KEY, method: "turnstile", sitekey: "0x4AAAA" })).toBe("ERROR_PAGEURL");
    expect(await form({ key: KEY, method: "geetest" })).toBe("ERROR_BAD_PARAMETERS");
    expect(await form({ key: KEY })).toBe("ERROR_BAD_PARAMETERS");
    expect(await res({ key: KEY })).toBe("ERROR_EMPTY_ACTION");
    expect(await res({ key: KEY, action: "get", id: "12ab" })).toBe("ERROR_WRONG_ID_FORMAT");
    expect(await res({ key: KEY, action: "get", id: "5" })).toBe("ERROR_WRONG_CAPTCHA_ID");
  });

  it("reports, balance and batch results", async () => {
    const a = (await form({ key: KEY, textcaptcha: "If tomorrow is Saturday, what day is today?" })).slice(3);
    const b = (await form({ key: KEY, method: "userrecaptcha", googlekey: "6LeAAAAAAAAAAAAA", pageurl: "https://a.example/" })).slice(3);
    now += 1000;
    expect(await res({ key: KEY, action: "get", ids: `${a},${b},9` })).toBe(`sandbox-${a}|CAPCHA_NOT_READY|ERROR_WRONG_CAPTCHA_ID`);
    expect(await res({ key: KEY, action: "reportbad", id: a })).toBe("OK_REPORT_RECORDED");
    expect(await res({ key: KEY, action: "reportgood", id: a })).toBe("ERROR_DUPLICATE_REPORT");
    expect(JSON.parse(await res({ key: KEY, action: "reportgood", id: b, json: "1" }))).toEqual({ status: 1, request: "OK_REPORT_RECORDED" });
    expect(await res({ key: KEY, action: "getbalance" })).toBe("100");
    expect(sandbox.stats()[a]).toMatchObject({ method: "textcaptcha", kind: "text", reports: ["bad"] });
  });

  it("fault switch", async () => {
    const ok = (await form({ key: KEY, method: "base64", body: IMAGE })).slice(3);
    sandbox.setFault("zero_balance");
    expect(await form({ key: KEY, method: "base64", body: IMAGE })).toBe("ERROR_ZERO_BALANCE");
    expect(await res({ key: KEY, action: "getbalance" })).toBe("0");
    sandbox.setFault("no_slot");
    expect(JSON.parse(await form({ key: KEY, method: "base64", body: IMAGE, json: "1" }))).toEqual({ status: 0, request: "ERROR_NO_SLOT_AVAILABLE" });
    sandbox.setFault("bad_key");
    expect(await res({ key: KEY, action: "get", id: ok })).toBe("ERROR_KEY_DOES_NOT_EXIST");
    sandbox.setFault("unsolvable");
    expect(await res({ key: KEY, action: "get", id: ok })).toBe("ERROR_CAPTCHA_UNSOLVABLE");
    sandbox.setFault("http_500");
    const page = await fetch(`${sandbox.url}/res.php?key=${KEY}&action=get&id=${ok}&json=1`);
    expect(page.status).toBe(500);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("500 Internal Server Error");
    sandbox.setFault(null);
    now += 1000;
    expect(await res({ key: KEY, action: "get", id: ok })).toBe(`OK|sandbox-${ok}`);
  });

  it("records requests with the key masked and images shortened", async () => {
    await form({ key: KEY, method: "base64", body: IMAGE, header_acao: "1" });
    const last = sandbox.requests.at(-1)!;
    expect(last).toMatchObject({ path: "/in.php", method: "POST", at: now });
    expect(last.params.key).toBe("1abc…(32)");
    expect(last.params.body).toBe(`${IMAGE.slice(0, 24)}…(${IMAGE.length} chars)`);
    expect(JSON.stringify(sandbox.requests)).not.toContain(KEY);
    const acao = await fetch(`${sandbox.url}/res.php?key=${KEY}&action=getbalance&header_acao=1`);
    expect(acao.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("accepts any 32-character key by default and closes cleanly", async () => {
    const open = await startTwocaptchaSandbox();
    const answer = await fetch(`${open.url}/in.php`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key: "x".repeat(32), textcaptcha: "q?" }).toString(),
    }).then((r) => r.text());
    expect(answer).toMatch(/^OK\|\d+$/);
    await open.close();
    await open.close();
    await expect(fetch(`${open.url}/res.php`)).rejects.toThrow();
  });
});
