/**
 * Team API keys: 32 lowercase hex characters (the 2Captcha key format, so 2Captcha client
 * libraries accept them). Only their SHA-256 hash is stored; the first 8 characters (the
 * prefix) name a key for revocation.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const API_KEY_PATTERN = /^[0-9a-f]{32}$/;
export const KEY_PREFIX_LENGTH = 8;

export const generateApiKey = (): string => randomBytes(16).toString("hex");

export const hashApiKey = (key: string): string => createHash("sha256").update(key).digest("hex");

export const keyPrefix = (key: string): string => key.slice(0, KEY_PREFIX_LENGTH);

/** Compares two secrets in constant time (for the admin key). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
