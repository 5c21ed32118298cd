// The twocaptcha adapter's balance request (res.php?action=getbalance) against the twocaptcha
// sandbox over HTTP, and the answer shapes the sandbox does not produce (plain text, HTML pages).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTwocaptchaAdapter, twocaptchaAdapter } from "../src/twocaptcha/adapter.ts";
import { startTwocaptchaSandbox, type TwocaptchaSandbox } from "@solver-router/sandbox";
import { cannedFetch, errorChecks, providerFactory } from "./support.ts";

const KEY = "0123456789abcdef0123456789abcdef";
const OTHER_KEY = "fedcba9876543210fedcba9876543210";
const provider = providerFactory("2captcha-sandbox", "twocaptcha", KEY);
const { expectError } = errorChecks(KEY);

let sandbox: TwocaptchaSandbox;

beforeAll(async () => {
  sandbox = await startTwocaptchaSandbox({ port: 0, apiKey: KEY, balance: 42.17, name: "balance-sandbox" });
});

afterAll(async () => {
  await sandbox.close();
});

describe("twocaptcha balance", () => {
  it("asks res.php for getbalance with the key and json=1, and answers the balance in USD", async () => {
    sandbox.setFault(null);
    const before = sandbox.requests.length;
    expect(await twocaptchaAdapter.balance!(provider(sandbox.url))).toEqual({ kind: "balance", amount: 42.17, currency: "USD" });
    const sent = sandbox.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path: "/res.php", method: "GET", params: { action: "getbalance", json: "1" } });
    expect(sent[0]!.params.key).toBeDefined();
  });

  it("an empty account reads 0", async () => {
    sandbox.setFault("zero_balance");
    try {
      expect(await twocaptchaAdapter.balance!(provider(sandbox.url))).toEqual({ kind: "balance", amount: 0, currency: "USD" });
    } finally {
      sandbox.setFault(null);
    }
  });

  it("a key the upstream does not know is an error naming the code, never the key", async () => {
    const outcome = await twocaptchaAdapter.balance!(provider(sandbox.url, OTHER_KEY));
    expect(expectError(outcome, "cooldown", "ERROR_KEY_DOES_NOT_EXIST").message).not.toContain(OTHER_KEY);
  });

  it("an HTML 500 page is a retryable error", async () => {
    sandbox.setFault("http_500");
    try {
      expectError(await twocaptchaAdapter.balance!(provider(sandbox.url)), "retry");
    } finally {
      sandbox.setFault(null);
    }
  });

  it("reads a plain-text answer (a bare number) and a JSON number", async () => {
    const plain = cannedFetch(200, "3.8432");
    expect(await createTwocaptchaAdapter({ fetch: plain.fn }).balance!(provider("https://x.example"))).toEqual({ kind: "balance", amount: 3.8432, currency: "USD" });
    const json = cannedFetch(200, { status: 1, request: 12 });
    expect(await createTwocaptchaAdapter({ fetch: json.fn }).balance!(provider("https://x.example"))).toEqual({ kind: "balance", amount: 12, currency: "USD" });
  });

  it("an answer that is not a number is unparseable, not a balance", async () => {
    const odd = cannedFetch(200, { status: 1, request: "lots" });
    expectError(await createTwocaptchaAdapter({ fetch: odd.fn }).balance!(provider("https://x.example")), "retry");
  });
});
