/** Reading the benchmarks' command-line figures: a wrong flag is a clear error, never a NaN run. */

export function positiveInt(text: string | undefined, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} must be a positive whole number, got ${text}`);
  return value;
}

export function optionalNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} must be a number ≥ 0, got ${text}`);
  return value;
}

export function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) out[value] = (out[value] ?? 0) + 1;
  return out;
}

/**
 * Prints the verdict on the thresholds given on the command line (FAIL naming each one missed,
 * PASS when all hold, nothing when none was given); the exit code it means.
 */
export function verdict(breaches: readonly (string | false | undefined)[], anyThreshold: boolean): number {
  const missed = breaches.filter((b): b is string => typeof b === "string");
  if (missed.length > 0) {
    console.log(`\nFAIL: ${missed.join("; ")}`);
    return 1;
  }
  if (anyThreshold) console.log("\nPASS: within every threshold given");
  return 0;
}
