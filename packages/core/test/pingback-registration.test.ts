// The pingback host is registered once per upstream account: the steps of one worker batch ask
// for it together (before any of them has recorded the answer), and must share one add_pingback.
import { describe, expect, it } from "vitest";
import { pingbackReady, type ProviderAdapter } from "../src/index.ts";
import { createWorld, provider } from "./fakes.ts";

function world(answers: boolean[]) {
  const account = provider("2captcha", "twocaptcha", { ImageToTextTask: { price: "0.001", seconds: 5, accuracy: 0.9 } });
  const w = createWorld({ providers: [account] });
  w.ctx.publicUrl = "https://router.example";
  const registrations: string[] = [];
  // The scripted 2Captcha-protocol adapter, with an account that registers pingback hosts.
  const adapter: ProviderAdapter = Object.assign(Object.create(w.adapters.twocaptcha) as ProviderAdapter, {
    async registerPingback(_provider: unknown, address: string) {
      registrations.push(address);
      await new Promise((resolve) => setImmediate(resolve)); // the upstream takes a moment
      return answers.shift() ?? false;
    },
  });
  const ask = async () => pingbackReady(w.ctx, account, adapter, (await w.providerStates.list()).find((s) => s.providerId === account.id));
  return { w, registrations, ask };
}

describe("pingback registration", () => {
  it("concurrent steps of one account share one registration, and later ones read the shared state", async () => {
    const { w, registrations, ask } = world([true]);
    expect(await Promise.all(Array.from({ length: 10 }, ask))).toEqual(Array(10).fill(true));
    expect(registrations).toEqual(["router.example"]);
    expect((await w.providerStates.list())[0]?.pingback).toMatchObject({ address: "router.example", registered: true });
    w.clock.advance(2 * 3600);
    expect(await ask()).toBe(true);
    expect(registrations).toHaveLength(1);
  });

  it("a refusal is remembered (no new request) until the retry time, then asked again once", async () => {
    const { w, registrations, ask } = world([false, true]);
    expect(await Promise.all(Array.from({ length: 5 }, ask))).toEqual(Array(5).fill(false));
    expect(registrations).toHaveLength(1);
    w.clock.advance(30 * 60);
    expect(await ask()).toBe(false);
    expect(registrations).toHaveLength(1);
    w.clock.advance(31 * 60);
    expect(await Promise.all([ask(), ask(), ask()])).toEqual([true, true, true]);
    expect(registrations).toHaveLength(2);
  });
});
