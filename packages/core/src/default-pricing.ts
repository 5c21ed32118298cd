/**
 * Default pricing tables of the four launch providers, from the figures the seed documents
 * publish (credits per task; 1 credit = $0.01, so "$X per 1000" = X/10 credits). A providers
 * file (ROUTER_PROVIDERS_FILE) overrides all of this.
 */
import type { Provider, TaskPricing } from "./providers.ts";
import type { TaskType } from "./task-types.ts";

const credits = (c: number) => Math.round(c * 1_000_000);
const row = (price: number, solveSeconds: number, accuracy: number, source: string): TaskPricing => ({
  priceMicro: credits(price),
  solveSeconds,
  accuracy,
  source,
});

const SEED_001 = "SolveCaptcha's documentation (SolveCaptcha rates per 1000 and speeds)";
const API_EXAMPLE = "2Captcha's published rates (docs/api.md providers example)";

/** 2Captcha and SolveCaptcha speak one protocol; their published figures differ a little. */
export const TWOCAPTCHA_PRICING: Partial<Record<TaskType, TaskPricing>> = {
  ImageToTextTask: row(0.1, 3, 0.9, API_EXAMPLE),
  TextCaptchaTask: row(0.1, 5, 0.9, `${API_EXAMPLE}; text captchas share the normal-captcha rate in SolveCaptcha's documentation`),
  RecaptchaV2Task: row(0.299, 20, 0.95, API_EXAMPLE),
  RecaptchaV3Task: row(0.299, 15, 0.9, "reCAPTCHA token rate of SolveCaptcha's documentation; 2Captcha's documented 10-15 s first wait"),
  TurnstileTask: row(0.145, 12, 0.95, SEED_001),
  CoordinatesTask: row(0.12, 10, 0.9, `${SEED_001}: ClickCaptcha`),
  HcaptchaImageTask: row(0.12, 10, 0.85, `${SEED_001}: ClickCaptcha (coordinates method)`),
};

export const SOLVECAPTCHA_PRICING: Partial<Record<TaskType, TaskPricing>> = {
  ImageToTextTask: row(0.075, 3, 0.9, `${SEED_001}: normal captcha $0.5-$1, midpoint, 3 s`),
  TextCaptchaTask: row(0.075, 5, 0.9, `${SEED_001}: text captcha $0.5-$1, midpoint`),
  RecaptchaV2Task: row(0.299, 20, 0.95, `${SEED_001}: reCAPTCHA V2 $2.99`),
  RecaptchaV3Task: row(0.299, 15, 0.9, `${SEED_001}: reCAPTCHA token rate`),
  TurnstileTask: row(0.145, 12, 0.95, `${SEED_001}: Cloudflare Turnstile $1.45, 12 s`),
  CoordinatesTask: row(0.12, 10, 0.9, `${SEED_001}: ClickCaptcha $1.2`),
  HcaptchaImageTask: row(0.12, 12, 0.85, `${SEED_001}: ClickCaptcha $1.2`),
};

/** Seed 000 prices by tier: speed / balanced / accuracy. */
export const SOLVERV2_PRICING: Partial<Record<TaskType, TaskPricing>> = {
  HcaptchaImageTask: {
    ...row(0.15, 15, 0.9, "SmartCaptcha's documentation pricing table (0.10 / 0.15 / 0.25) and estimated_time 15.0"),
    pricesMicro: { speed: credits(0.1), balanced: credits(0.15), accuracy: credits(0.25) },
  },
  RecaptchaV2Task: {
    ...row(0.3, 20, 0.95, "SmartCaptcha's documentation pricing table (0.20 / 0.30 / 0.40) and estimated_time 20.0"),
    pricesMicro: { speed: credits(0.2), balanced: credits(0.3), accuracy: credits(0.4) },
  },
};

/** Seed 003 publishes no price (a free quota, then paid); synchronous, so fast. */
export const ACEDATA_PRICING: Partial<Record<TaskType, TaskPricing>> = {
  HcaptchaImageTask: row(0.1, 3, 0.8, "AceData's documentation publishes no price: assumed; synchronous answer with a confidence figure"),
};

/** The built-in providers of the local stack, pointed at the sandbox upstreams. */
export function sandboxProviders(urls: { twocaptcha: string; solvecaptcha: string; acedata: string; solverv2: string }, keys: { twocaptcha: string; acedata: string; solverv2: string }): Provider[] {
  return [
    { id: "2captcha", protocol: "twocaptcha", baseUrl: urls.twocaptcha, apiKey: keys.twocaptcha, enabled: true, tasks: TWOCAPTCHA_PRICING },
    { id: "solvecaptcha", protocol: "twocaptcha", baseUrl: urls.solvecaptcha, apiKey: keys.twocaptcha, enabled: true, tasks: SOLVECAPTCHA_PRICING },
    { id: "acedata", protocol: "acedata", baseUrl: urls.acedata, apiKey: keys.acedata, enabled: true, tasks: ACEDATA_PRICING },
    { id: "solverv2", protocol: "solverv2", baseUrl: urls.solverv2, apiKey: keys.solverv2, enabled: true, tasks: SOLVERV2_PRICING },
  ];
}
