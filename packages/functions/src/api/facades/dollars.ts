/**
 * The facades speak dollars (2Captcha's balance and get2 price, createTask's balance and cost);
 * the router keeps micro-credits, 1 credit = $0.01, so $1 = 100,000,000 micro-credits. Converted
 * on the digits, never through floating point.
 */
import type { Micro } from "@solver-router/core";

const MICRO_PER_DOLLAR = 100_000_000;

/** "12.5", "0.00085", "-0.1": the exact dollar amount, trailing zeros trimmed. */
export function microToDollarsString(micro: Micro): string {
  const sign = micro < 0 ? "-" : "";
  const abs = Math.abs(micro);
  const whole = Math.floor(abs / MICRO_PER_DOLLAR);
  const fraction = String(abs % MICRO_PER_DOLLAR).padStart(8, "0").replace(/0+$/, "");
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

export const microToDollars = (micro: Micro): number => Number(microToDollarsString(micro));
