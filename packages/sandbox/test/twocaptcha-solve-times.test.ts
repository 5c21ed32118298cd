// Realistic solve times in the 2Captcha-protocol sandbox: drawn per kind from the ranges given,
// with a seed (the same seed and order give the same times), and told per captcha by stats().
import { afterEach, describe, expect, it } from "vitest";
import { REALISTIC_TWOCAPTCHA_SOLVE_TIMES, startTwocaptchaSandbox, type TwocaptchaSandbox } from "../src/twocaptcha-sandbox.ts";

const KEY = "1abc234de56fab7c89012d34e56fa7b8";
const IMAGE = Buffer.alloc(256, 3).toString("base64");
const T0 = 1_700_000_000_000;

let sandbox: TwocaptchaSandbox | undefined;
let now = T0;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const post = (params: Record<string, string>) =>
  fetch(`${sandbox!.url}/in.php`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ key: KEY, ...params }).toString(),
  }).then((r) => r.text());
const image = () => post({ method: "base64", body: IMAGE }).then((t) => t.slice(3));
const token = () => post({ method: "turnstile", sitekey: "0x4AAAA", pageurl: "https://a.example/" }).then((t) => t.slice(3));

/** Solve time of each of 20 images and 20 tokens, submitted alternately. */
async function drawTimes(seed: number) {
  now = T0;
  sandbox = await startTwocaptchaSandbox({ apiKey: KEY, now: () => now, seed, solveTimeRangesMs: REALISTIC_TWOCAPTCHA_SOLVE_TIMES });
  const images: string[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < 20; i++) {
    images.push(await image());
    tokens.push(await token());
  }
  const stats = sandbox.stats();
  const times = (ids: string[]) => ids.map((id) => stats[id]!.solvedAt! - stats[id]!.submittedAt);
  return { images: times(images), tokens: times(tokens), ids: { image: images[0]!, token: tokens[0]! } };
}

describe("twocaptcha sandbox: realistic solve times", () => {
  it("draws images in 4-12 s and tokens in 15-45 s, spread over the range", async () => {
    const { images, tokens } = await drawTimes(42);
    expect(Math.min(...images)).toBeGreaterThanOrEqual(4_000);
    expect(Math.max(...images)).toBeLessThanOrEqual(12_000);
    expect(Math.min(...tokens)).toBeGreaterThanOrEqual(15_000);
    expect(Math.max(...tokens)).toBeLessThanOrEqual(45_000);
    expect(new Set(images).size).toBeGreaterThan(15);
    expect(Math.max(...tokens) - Math.min(...tokens)).toBeGreaterThan(10_000);
  });

  it("the same seed gives the same times, another seed others", async () => {
    const a = await drawTimes(42);
    await sandbox!.close();
    const b = await drawTimes(42);
    await sandbox!.close();
    const c = await drawTimes(43);
    expect(b.images).toEqual(a.images);
    expect(b.tokens).toEqual(a.tokens);
    expect(c.images).not.toEqual(a.images);
  });

  it("answers CAPCHA_NOT_READY until the drawn solve time, then the answer; stats tell when it was solved", async () => {
    const { ids } = await drawTimes(5);
    const stats = sandbox!.stats()[ids.image]!;
    const get = () => fetch(`${sandbox!.url}/res.php?key=${KEY}&action=get&id=${ids.image}`).then((r) => r.text());
    now = stats.solvedAt! - 1;
    expect(await get()).toBe("CAPCHA_NOT_READY");
    now = stats.solvedAt!;
    expect(await get()).toBe(`OK|sandbox-${ids.image}`);
  });
});
