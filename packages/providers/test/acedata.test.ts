import type { SubmitOutcome, UnifiedTask } from "@solver-router/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACEDATA_PATH, acedataAdapter, createAcedataAdapter } from "../src/acedata/adapter.ts";
import { parseBox } from "../src/acedata/box.ts";
import type { FetchFn } from "../src/http/upstream-client.ts";
import { imageSize } from "../src/acedata/image-size.ts";
import { startAcedataSandbox, type AcedataSandbox } from "@solver-router/sandbox";
import { cannedFetch, errorChecks, IMAGE, providerFactory } from "./support.ts";

const KEY = "ace-7f3c9e1d2b4a58607f3c9e1d2b4a5860";
const QUESTION = "Please click on the UNIQUE object among the others.";

const provider = providerFactory("acedata-test", "acedata", KEY);

const hcaptcha = (fields: Partial<UnifiedTask<"HcaptchaImageTask">["fields"]> = {}): UnifiedTask => ({
  type: "HcaptchaImageTask",
  fields: { images: [IMAGE], question: QUESTION, ...fields },
});

/** Every error any test saw is kept in errorsSeen; none may carry the key. */
const { expectError, errorsSeen } = errorChecks(KEY, { messageLongerThan: 10 });

const envelope = (code: string, message: string) => ({ success: false, error: { code, message }, trace_id: "2cf86e86-22a4-46e1-ac2f-032c0f2a4e89" });

let sandbox: AcedataSandbox;

beforeAll(async () => {
  sandbox = await startAcedataSandbox({ apiKey: KEY });
});
afterAll(async () => {
  await sandbox.close();
  for (const error of errorsSeen) expect(error.message).not.toContain(KEY);
});
beforeEach(() => {
  sandbox.setFault(null);
  sandbox.requests.length = 0;
});

describe("acedata adapter against the sandbox", () => {
  it("declares a synchronous hCaptcha-only protocol", () => {
    expect(acedataAdapter.protocol).toBe("acedata");
    // Synchronous, and AceData takes no reports: neither capability is offered.
    expect("poll" in acedataAdapter).toBe(false);
    expect("report" in acedataAdapter).toBe(false);
    expect(acedataAdapter.taskTypes).toEqual(["HcaptchaImageTask"]);
  });

  it("posts queries and question with the seed's headers and answers the solution at once", async () => {
    const outcome = await acedataAdapter.submit(provider(sandbox.url), hcaptcha({ images: [IMAGE, IMAGE] }), { priority: "speed" });
    expect(outcome).toEqual({ kind: "solved", solution: { kind: "coordinates", coordinates: [{ x: 360, y: 276 }] } });

    expect(sandbox.requests).toHaveLength(1);
    const request = sandbox.requests[0]!;
    expect(request.method).toBe("POST");
    expect(request.path).toBe(ACEDATA_PATH);
    expect(request.authorization).toBe(`Bearer ${KEY}`);
    expect(request.accept).toBe("application/json");
    expect(request.contentType).toMatch(/^application\/json/);
    const body = request.body as { queries: string[]; question: string };
    expect(body.question).toBe(QUESTION);
    expect(body.queries).toHaveLength(2);
    // The sandbox records images shortened.
    expect(body.queries[0]).toMatch(/^iVBORw0KGgo.*…\(\d+ chars\)$/);
  });

  it("accepts a base URL with a trailing slash", async () => {
    const outcome = await acedataAdapter.submit(provider(`${sandbox.url}/`), hcaptcha());
    expect(outcome.kind).toBe("solved");
    expect(sandbox.requests[0]!.path).toBe(ACEDATA_PATH);
  });

  it("a 200 without a usable box is unsolvable", async () => {
    sandbox.setFault("no_box");
    expectError(await acedataAdapter.submit(provider(sandbox.url), hcaptcha()), "unsolvable", "NO_BOX");
  });

  it("401 invalid_token cools the provider down for 600 s", async () => {
    const wrongKey = await acedataAdapter.submit(provider(sandbox.url, "not-the-key"), hcaptcha());
    expect(expectError(wrongKey, "cooldown", "invalid_token").waitSeconds).toBe(600);
    sandbox.setFault("invalid_token");
    const faulted = await acedataAdapter.submit(provider(sandbox.url), hcaptcha());
    expect(expectError(faulted, "cooldown", "invalid_token").waitSeconds).toBe(600);
  });

  it("429 too_many_requests pauses the account for the Retry-After the upstream sent", async () => {
    sandbox.setFault("too_many_requests");
    const error = expectError(await acedataAdapter.submit(provider(sandbox.url), hcaptcha()), "rate_limited", "too_many_requests");
    expect(error.waitSeconds).toBe(3);
  });

  it("500 api_error is retried", async () => {
    sandbox.setFault("http_500");
    const error = expectError(await acedataAdapter.submit(provider(sandbox.url), hcaptcha()), "retry", "api_error");
    expect(error.waitSeconds).toBe(5);
    expect(error.detail).toContain("fetch failed"); // the upstream's words: admins and logs only
    expect(error.message).not.toContain("fetch failed");
  });

  it("a body the upstream rejects (400) is a bad request", async () => {
    const error = expectError(await acedataAdapter.submit(provider(sandbox.url), hcaptcha({ images: [] })), "bad_request");
    expect(error.detail).toContain("queries");
    expect(error.message).not.toContain("queries");
  });

  it("a wrong path (404) cools the provider down and says to check the base URL", async () => {
    const error = expectError(await acedataAdapter.submit(provider(`${sandbox.url}/nowhere`), hcaptcha()), "cooldown");
    expect(error.message).toContain("base URL");
  });

  it("a network error is retried, naming only the system code", async () => {
    const closed = await startAcedataSandbox({ apiKey: KEY });
    await closed.close();
    const error = expectError(await acedataAdapter.submit(provider(closed.url), hcaptcha()), "retry", "NETWORK_ERROR");
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).not.toContain("fetch failed");
  });

  it("an answer slower than the timeout is retried", async () => {
    const slow = await startAcedataSandbox({ apiKey: KEY, delayMs: 400 });
    try {
      const adapter = createAcedataAdapter({ timeoutMs: 100 });
      const started = Date.now();
      const error = expectError(await adapter.submit(provider(slow.url), hcaptcha()), "retry", "TIMEOUT");
      expect(Date.now() - started).toBeLessThan(380);
      expect(error.message).toContain("100 ms");
    } finally {
      await slow.close();
    }
  });

  it("a slow solve is awaited within the timeout (the call is the solve)", async () => {
    const slow = await startAcedataSandbox({ apiKey: KEY, delayMs: 150 });
    try {
      const outcome = await createAcedataAdapter({ timeoutMs: 2000 }).submit(provider(slow.url), hcaptcha());
      expect(outcome.kind).toBe("solved");
    } finally {
      await slow.close();
    }
  });
});

describe("acedata adapter: what is decided without a call", () => {
  it("another task type is unsolvable here (the next provider may serve it)", async () => {
    const task = { type: "RecaptchaV2Task", fields: { site_key: "k", page_url: "https://example.com" } } as UnifiedTask;
    expectError(await acedataAdapter.submit(provider(sandbox.url), task), "unsolvable", "UNSUPPORTED_TASK_TYPE");
    expect(sandbox.requests).toHaveLength(0);
  });

  it("a task without a question is unsolvable here (AceData needs one)", async () => {
    expectError(await acedataAdapter.submit(provider(sandbox.url), hcaptcha({ question: undefined })), "unsolvable", "QUESTION_REQUIRED");
    expectError(await acedataAdapter.submit(provider(sandbox.url), hcaptcha({ question: "  " })), "unsolvable", "QUESTION_REQUIRED");
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe("acedata adapter: answers the sandbox does not give", () => {
  const submitWith = async (fetchFn: FetchFn): Promise<SubmitOutcome> =>
    createAcedataAdapter({ fetch: fetchFn }).submit(provider("https://api.acedata.cloud"), hcaptcha());

  it("calls the seed's URL", async () => {
    const canned = cannedFetch(200, { solution: { label: QUESTION, box: ["360", "276"], confidences: 0.63 } });
    await submitWith(canned.fn);
    expect(canned.calls[0]!.url).toBe("https://api.acedata.cloud/captcha/recognition/hcaptcha");
    expect(canned.calls[0]!.init.method).toBe("POST");
    expect(JSON.parse(String(canned.calls[0]!.init.body))).toEqual({ queries: [IMAGE], question: QUESTION });
  });

  it.each([
    ["strings", ["360", "276"], [{ x: 360, y: 276 }]],
    ["numbers", [360, 276.5], [{ x: 360, y: 276.5 }]],
    ["a flat list of points", ["10", "20", 30, 40], [{ x: 10, y: 20 }, { x: 30, y: 40 }]],
    ["a list of pairs", [["10", "20"], [30, 40]], [{ x: 10, y: 20 }, { x: 30, y: 40 }]],
    ["a list of {x, y}", [{ x: 10, y: "20" }], [{ x: 10, y: 20 }]],
  ])("reads a box of %s", async (_name, box, coordinates) => {
    const outcome = await submitWith(cannedFetch(200, { solution: { label: QUESTION, box, confidences: 0.5 } }).fn);
    expect(outcome).toEqual({ kind: "solved", solution: { kind: "coordinates", coordinates } });
  });

  it.each([
    ["an odd flat list", ["360"]],
    ["a non-numeric value", ["left", "top"]],
    ["a negative value", [-1, 5]],
    ["an empty list", []],
    ["no box at all", undefined],
    ["a box that is a string", "360,276"],
  ])("%s is unsolvable", async (_name, box) => {
    expectError(await submitWith(cannedFetch(200, { solution: { label: QUESTION, box } }).fn), "unsolvable", "NO_BOX");
  });

  it("a 200 HTML page is retried, not taken for an unsolvable captcha", async () => {
    expectError(await submitWith(cannedFetch(200, "<html>maintenance</html>").fn), "retry", "UNPARSEABLE");
  });

  it("a 502 HTML page is retried after 5 s", async () => {
    const error = expectError(await submitWith(cannedFetch(502, "<html><body>Bad Gateway</body></html>").fn), "retry", "HTTP_502");
    expect(error.waitSeconds).toBe(5);
    expect(error.message).toContain("not JSON");
  });

  it("400 token_mismatched cools the provider down (a key for another AceData service)", async () => {
    const error = expectError(await submitWith(cannedFetch(400, envelope("token_mismatched", "token mismatched")).fn), "cooldown", "token_mismatched");
    expect(error.waitSeconds).toBe(600);
  });

  it("400 api_not_implemented is a bad request", async () => {
    const error = expectError(await submitWith(cannedFetch(400, envelope("api_not_implemented", "not implemented")).fn), "bad_request", "api_not_implemented");
    expect(error.detail).toContain("not implemented");
  });

  it("429 without Retry-After pauses 5 s; with an HTTP date, the seconds until then", async () => {
    expect(expectError(await submitWith(cannedFetch(429, envelope("too_many_requests", "slow down")).fn), "rate_limited").waitSeconds).toBe(5);
    const at = new Date(Date.now() + 30_000).toUTCString();
    const dated = expectError(await submitWith(cannedFetch(429, envelope("too_many_requests", "slow down"), { "retry-after": at }).fn), "rate_limited");
    expect(dated.waitSeconds).toBeGreaterThanOrEqual(28);
    expect(dated.waitSeconds).toBeLessThanOrEqual(31);
  });

  it("an error envelope inside a 200 is still an error", async () => {
    expectError(await submitWith(cannedFetch(200, envelope("invalid_token", "bad token")).fn), "cooldown", "invalid_token");
  });

  it("an upstream message that echoes the key has the key cut out", async () => {
    const error = expectError(await submitWith(cannedFetch(401, envelope("invalid_token", `token ${KEY} is not valid`)).fn), "cooldown");
    expect(error.detail).toContain("[redacted]");
    expect(error.detail).not.toContain(KEY);
  });

  it("a fetch that throws with the key in its text never leaks it", async () => {
    const throwing: FetchFn = async () => {
      throw new TypeError(`request to https://x/?key=${KEY} failed`, { cause: { code: "ECONNRESET" } });
    };
    const error = expectError(await submitWith(throwing), "retry", "NETWORK_ERROR");
    expect(error.message).toContain("ECONNRESET");
    expect(error.message).not.toContain("request to");
  });

  it("keeps a trace_id as the upstream id when the upstream sends one", async () => {
    const outcome = await submitWith(cannedFetch(200, { solution: { box: ["1", "2"] }, trace_id: "t-1" }).fn);
    expect(outcome).toMatchObject({ kind: "solved", upstreamId: "t-1" });
  });
});

describe("acedata adapter: bottom-left coordinates (optional)", () => {
  const png = (width: number, height: number) => {
    const b = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
    b.writeUInt32BE(13, 8);
    b.write("IHDR", 12, "ascii");
    b.writeUInt32BE(width, 16);
    b.writeUInt32BE(height, 20);
    return b.toString("base64");
  };

  it("reads the size of PNG, GIF and JPEG headers", () => {
    expect(imageSize(png(500, 400))).toEqual({ width: 500, height: 400 });
    expect(imageSize(IMAGE)).toEqual({ width: 1, height: 1 });
    const gif = Buffer.from("GIF89a\x20\x03\x58\x02", "latin1").toString("base64");
    expect(imageSize(gif)).toEqual({ width: 800, height: 600 });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x02, 0x58, 0x03]);
    expect(imageSize(jpeg.toString("base64"))).toEqual({ width: 600, height: 300 });
    expect(imageSize("aGVsbG8gd29ybGQ=")).toBeUndefined();
  });

  it("converts y to top-left using the image height", async () => {
    const adapter = createAcedataAdapter({ boxOrigin: "bottom-left" });
    const outcome = await adapter.submit(provider(sandbox.url), hcaptcha({ images: [png(500, 400)] }));
    expect(outcome).toEqual({ kind: "solved", solution: { kind: "coordinates", coordinates: [{ x: 360, y: 124 }] } });
  });

  it("does not send an image whose height cannot be read", async () => {
    const adapter = createAcedataAdapter({ boxOrigin: "bottom-left" });
    expectError(await adapter.submit(provider(sandbox.url), hcaptcha({ images: ["aGVsbG8gd29ybGQ="] })), "unsolvable", "IMAGE_SIZE_UNKNOWN");
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe("parseBox", () => {
  it("reads the seed's example", () => {
    expect(parseBox(["360", "276"])).toEqual([{ x: 360, y: 276 }]);
  });
});

describe("acedata sandbox", () => {
  it("answers the envelope for a missing question and for a body that is not JSON", async () => {
    const post = (body: string) =>
      fetch(`${sandbox.url}${ACEDATA_PATH}`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body,
      });
    const noQuestion = await post(JSON.stringify({ queries: [IMAGE] }));
    expect(noQuestion.status).toBe(400);
    expect(await noQuestion.json()).toMatchObject({ success: false, error: { code: "bad_request" }, trace_id: expect.any(String) });
    const notJson = await post("queries=1");
    expect(notJson.status).toBe(400);
    expect(sandbox.requests.at(-1)!.body).toBe("queries=1");
  });
});
