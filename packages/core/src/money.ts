/**
 * Money. Inside the router every amount is an integer number of micro-credits
 * (1 credit = 1,000,000 micro-credits; 1 credit = $0.01). Decimal credits exist only at the
 * API edge and in configuration files, and are converted here without floating-point
 * arithmetic: the decimal's digits are read as a string.
 */
export type Micro = number;

export const MICRO_PER_CREDIT = 1_000_000;
const MAX_DECIMALS = 6;

export class MoneyFormatError extends Error {}

/** Parses decimal credits (a JSON number or a numeric string) into micro-credits. */
export function creditsToMicro(value: number | string): Micro {
  const text = typeof value === "number" ? numberToPlainString(value) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new MoneyFormatError(`"${text}" is not a decimal amount of credits`);
  const [, sign, whole = "0", fraction = ""] = match;
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > MAX_DECIMALS) {
    throw new MoneyFormatError(`"${text}" has more than ${MAX_DECIMALS} decimals`);
  }
  const micro = Number(whole) * MICRO_PER_CREDIT + Number(significant.padEnd(MAX_DECIMALS, "0"));
  if (!Number.isSafeInteger(micro)) throw new MoneyFormatError(`"${text}" is too large`);
  return sign === "-" ? -micro : micro;
}

/** Formats micro-credits as decimal credits for the API (e.g. 150000 → 0.15). */
export function microToCredits(micro: Micro): number {
  return Number(microToCreditsString(micro));
}

/** The exact decimal text of an amount, trailing zeros trimmed (150000 → "0.15"). */
export function microToCreditsString(micro: Micro): string {
  if (!Number.isSafeInteger(micro)) throw new MoneyFormatError(`${micro} is not an integer amount`);
  const sign = micro < 0 ? "-" : "";
  const abs = Math.abs(micro);
  const whole = Math.floor(abs / MICRO_PER_CREDIT);
  const fraction = String(abs % MICRO_PER_CREDIT).padStart(MAX_DECIMALS, "0").replace(/0+$/, "");
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

// JSON numbers such as 1e-7 stringify in exponent form; expand them so the digits can be read.
function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyFormatError(`${value} is not a finite amount`);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/\.?0+$/, "");
}
