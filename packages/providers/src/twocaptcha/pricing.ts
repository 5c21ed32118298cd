/**
 * Default figures of the two launch providers speaking the twocaptcha protocol, from their
 * published rates and speeds (docs/providers.md). A providers file overrides them.
 */
import { pricingRow as row, type PricingTable } from "../pricing-table.ts";

const SOLVECAPTCHA = "SolveCaptcha's published rates per 1000 and speeds";
const TWOCAPTCHA = "2Captcha's published rates (docs/api.md providers example)";

/** 2Captcha and SolveCaptcha speak one protocol; their published figures differ a little. */
export const TWOCAPTCHA_PRICING: PricingTable = {
  ImageToTextTask: row(0.1, 3, 0.9, TWOCAPTCHA),
  TextCaptchaTask: row(0.1, 5, 0.9, `${TWOCAPTCHA}; text captchas share the normal-captcha rate`),
  RecaptchaV2Task: row(0.299, 20, 0.95, TWOCAPTCHA),
  RecaptchaV3Task: row(0.299, 15, 0.9, "the reCAPTCHA token rate; 2Captcha's 10-15 s first wait for v3"),
  TurnstileTask: row(0.145, 12, 0.95, SOLVECAPTCHA),
  CoordinatesTask: row(0.12, 10, 0.9, `${SOLVECAPTCHA}: ClickCaptcha`),
  HcaptchaImageTask: row(0.12, 10, 0.85, `${SOLVECAPTCHA}: ClickCaptcha (coordinates method)`),
};

export const SOLVECAPTCHA_PRICING: PricingTable = {
  ImageToTextTask: row(0.075, 3, 0.9, `${SOLVECAPTCHA}: normal captcha $0.5-$1, midpoint, 3 s`),
  TextCaptchaTask: row(0.075, 5, 0.9, `${SOLVECAPTCHA}: text captcha $0.5-$1, midpoint`),
  RecaptchaV2Task: row(0.299, 20, 0.95, `${SOLVECAPTCHA}: reCAPTCHA V2 $2.99`),
  RecaptchaV3Task: row(0.299, 15, 0.9, `${SOLVECAPTCHA}: reCAPTCHA token rate`),
  TurnstileTask: row(0.145, 12, 0.95, `${SOLVECAPTCHA}: Cloudflare Turnstile $1.45, 12 s`),
  CoordinatesTask: row(0.12, 10, 0.9, `${SOLVECAPTCHA}: ClickCaptcha $1.2`),
  HcaptchaImageTask: row(0.12, 12, 0.85, `${SOLVECAPTCHA}: ClickCaptcha $1.2`),
};
