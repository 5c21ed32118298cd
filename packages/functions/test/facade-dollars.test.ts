import { describe, expect, it } from "vitest";
import { microToDollars, microToDollarsString } from "../src/api/facades/dollars.ts";

describe("facade balances and prices in dollars (1 credit = $0.01 = 1,000,000 micro-credits)", () => {
  it("converts exactly, without floating-point error", () => {
    expect(microToDollarsString(100_000_000)).toBe("1");
    expect(microToDollarsString(85_000)).toBe("0.00085");
    expect(microToDollarsString(29_900_000)).toBe("0.299");
    expect(microToDollarsString(1)).toBe("0.00000001");
    expect(microToDollarsString(0)).toBe("0");
    expect(microToDollarsString(-250_000_000)).toBe("-2.5");
    expect(microToDollars(1_234_567_890)).toBe(12.3456789);
  });
});
