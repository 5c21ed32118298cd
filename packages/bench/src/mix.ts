/**
 * The realistic mix the benchmarks submit (the one issues 7 and 8 measured): reCAPTCHA v2 and
 * v3, Turnstile, image-to-text and hCaptcha image, in fixed shares, drawn in a fixed order from
 * a seed so two runs submit the same tasks.
 */
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

export type MixTaskType = "RecaptchaV2Task" | "RecaptchaV3Task" | "TurnstileTask" | "ImageToTextTask" | "HcaptchaImageTask";

/** Shares out of 100. */
export const REALISTIC_MIX: Readonly<Record<MixTaskType, number>> = {
  RecaptchaV2Task: 30,
  RecaptchaV3Task: 15,
  TurnstileTask: 20,
  ImageToTextTask: 25,
  HcaptchaImageTask: 10,
};

export interface MixTask {
  type: MixTaskType;
  /** The body for POST /v2/solver/task, without callback_url. */
  body: Record<string, unknown>;
}

/** `count` tasks of the mix, the same ones for the same seed. */
export function realisticMix(count: number, seed: number, shares: Readonly<Partial<Record<MixTaskType, number>>> = REALISTIC_MIX): MixTask[] {
  const rng = xoroshiro128plus(seed);
  const entries = Object.entries(shares).filter(([, share]) => (share ?? 0) > 0) as [MixTaskType, number][];
  const total = entries.reduce((sum, [, share]) => sum + share, 0);
  return Array.from({ length: count }, (_, i) => {
    let pick = uniformInt(rng, 0, total - 1);
    const [type] = entries.find(([, share]) => (pick -= share) < 0)!;
    return { type, body: taskBody(type, i) };
  });
}

/** A valid body of `type`; `n` makes each one distinct (its image, its page). */
export function taskBody(type: MixTaskType, n: number): Record<string, unknown> {
  const page = `https://shop.example/checkout/${n}`;
  switch (type) {
    case "RecaptchaV2Task":
      return { type, site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: page };
    case "RecaptchaV3Task":
      return { type, site_key: "6LfB5_IbAAAAAMCtsjEHEHKqcB9iQocwwxTiihJu", page_url: page, action: "checkout", min_score: 0.7 };
    case "TurnstileTask":
      return { type, site_key: "0x4AAAAAAAC3DHQFLr1GavRN", page_url: page };
    case "ImageToTextTask":
      return { type, image: fakeImage(n, 1_200) };
    case "HcaptchaImageTask":
      return { type, images: [fakeImage(n, 2_000), fakeImage(n + 1, 2_000)], question: "Please click each image containing a bicycle" };
  }
}

/** Base64 of `bytes` bytes that differ per `n` (the sandboxes want at least 100 bytes). */
function fakeImage(n: number, bytes: number): string {
  return Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 37 + n * 101 + 11) % 256)).toString("base64");
}
