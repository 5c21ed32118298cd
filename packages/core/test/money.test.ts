// Money: decimal credits at the edge, integer micro-credits inside, no float drift anywhere.
import { describe, expect, it } from "vitest";
import { creditsToMicro, MICRO_PER_CREDIT, microToCredits, microToCreditsString, MoneyFormatError } from "../src/index.ts";

describe("creditsToMicro", () => {
  it.each([
    [0, 0],
    ["0", 0],
    [1, 1_000_000],
    ["1", 1_000_000],
    [0.1, 100_000],
    [0.15, 150_000],
    ["0.15", 150_000],
    [0.299, 299_000],
    ["0.000001", 1],
    [0.000001, 1],
    [1e-6, 1],
    ["12.345678", 12_345_678],
    [12.345678, 12_345_678],
    ["1.500000", 1_500_000],
    ["1.5000000000", 1_500_000], // trailing zeros are not decimals that count
    ["  2.5 ", 2_500_000],
    [1000000, 1_000_000 * MICRO_PER_CREDIT],
  ])("%j credits is %i micro-credits", (input, micro) => {
    expect(creditsToMicro(input)).toBe(micro);
  });

  it("adds amounts exactly where floats drift (0.1 + 0.2)", () => {
    expect(0.1 + 0.2).not.toBe(0.3); // the float trap this module exists to avoid
    expect(creditsToMicro(0.1) + creditsToMicro(0.2)).toBe(creditsToMicro(0.3));
    expect(microToCredits(creditsToMicro("0.1") + creditsToMicro("0.2"))).toBe(0.3);
    let total = 0;
    for (let i = 0; i < 1000; i++) total += creditsToMicro("0.001");
    expect(total).toBe(creditsToMicro(1));
    expect(microToCreditsString(total)).toBe("1");
  });

  it("never rounds: 1.005 and 0.299 keep every digit", () => {
    expect(creditsToMicro(1.005)).toBe(1_005_000);
    expect(creditsToMicro("1.005")).toBe(1_005_000);
    expect(creditsToMicro(0.299) * 3).toBe(897_000);
  });

  it.each([["0.0000001"], [0.0000001], ["1.1234567"], [1.1234567], [0.1 + 0.2]])("rejects %j (more than 6 decimals)", (input) => {
    expect(() => creditsToMicro(input)).toThrow(MoneyFormatError);
    expect(() => creditsToMicro(input)).toThrow(/more than 6 decimals/);
  });

  it.each([["NaN"], [Number.NaN], [Number.POSITIVE_INFINITY], ["abc"], [""], ["1e3"], ["0x10"], [".5"], ["5."], ["+1"], ["1,5"], ["1 000"]])(
    "rejects %j (not a decimal amount)",
    (input) => {
      expect(() => creditsToMicro(input)).toThrow(MoneyFormatError);
    },
  );

  it("rejects amounts beyond exact integer range instead of losing digits", () => {
    expect(() => creditsToMicro("9007199255")).toThrow(/too large/);
    expect(() => creditsToMicro("99999999999999999999")).toThrow(MoneyFormatError);
    expect(creditsToMicro("9007199254.740991")).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("keeps the sign of a negative amount (callers refuse negatives; see admin and submit tests)", () => {
    // The parser is signed so that debits can be written; every API entry point checks > 0 itself.
    expect(creditsToMicro("-0.15")).toBe(-150_000);
    expect(microToCreditsString(-150_000)).toBe("-0.15");
  });
});

describe("microToCredits / microToCreditsString", () => {
  it.each([
    [0, "0", 0],
    [1, "0.000001", 0.000001],
    [150_000, "0.15", 0.15],
    [50_000, "0.05", 0.05],
    [299_000, "0.299", 0.299],
    [1_000_000, "1", 1],
    [12_345_678, "12.345678", 12.345678],
    [100_000_000_000, "100000", 100000],
  ])("%i micro-credits is %s credits", (micro, text, number) => {
    expect(microToCreditsString(micro)).toBe(text);
    expect(microToCredits(micro)).toBe(number);
  });

  it("round-trips every 6-decimal amount it formats", () => {
    for (const micro of [0, 1, 9, 10, 99_999, 100_001, 123_456_789, 999_999_999, Number.MAX_SAFE_INTEGER]) {
      expect(creditsToMicro(microToCreditsString(micro))).toBe(micro);
    }
    for (let micro = 0; micro < 3000; micro += 7) {
      expect(creditsToMicro(microToCredits(micro))).toBe(micro); // via the JSON number too
    }
  });

  it("refuses to format a non-integer (a float crept into money)", () => {
    expect(() => microToCreditsString(0.5)).toThrow(MoneyFormatError);
    expect(() => microToCredits(Number.NaN)).toThrow(MoneyFormatError);
  });
});
