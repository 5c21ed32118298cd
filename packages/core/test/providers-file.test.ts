// The providers file (ROUTER_PROVIDERS_FILE, the ProvidersConfig secret): what it turns into, and
// the error an operator reads for each way it can be wrong (the file is read at start-up).
import { describe, expect, it } from "vitest";
import { parseProvidersFile } from "../src/index.ts";

const entry = (extra: Record<string, unknown> = {}) => ({
  id: "2captcha",
  protocol: "twocaptcha",
  base_url: "https://2captcha.com/",
  api_key: "k".repeat(32),
  tasks: { RecaptchaV2Task: { price: 0.299, solve_seconds: 20, accuracy: 0.95 } },
  ...extra,
});

describe("parseProvidersFile", () => {
  it("turns an entry into a provider: micro-credits, tier prices, trailing slash dropped, enabled by default", () => {
    const [provider] = parseProvidersFile({
      providers: [entry({ tasks: { HcaptchaImageTask: { price: "0.15", prices: { speed: 0.1, accuracy: "0.25" }, solve_seconds: 15, accuracy: 0.9, source: "table" } } })],
    });
    expect(provider).toEqual({
      id: "2captcha",
      protocol: "twocaptcha",
      baseUrl: "https://2captcha.com",
      apiKey: "k".repeat(32),
      enabled: true,
      tasks: { HcaptchaImageTask: { priceMicro: 150_000, pricesMicro: { speed: 100_000, accuracy: 250_000 }, solveSeconds: 15, accuracy: 0.9, source: "table" } },
    });
  });

  it.each([
    ["no providers list", {}, "providers file: providers Invalid input: expected array, received undefined"],
    ["a bad id", { providers: [entry({ id: "has space" })] }, "providers file: providers.0.id must be 1-64 letters, digits, '.', '_' or '-'"],
    ["a missing key", { providers: [entry({ api_key: "" })] }, "providers file: providers.0.api_key Too small: expected string to have >=1 characters"],
    ["a bad base URL", { providers: [entry({ base_url: "not a url" })] }, "providers file: providers.0.base_url Invalid URL"],
    ["a protocol that is not an id", { providers: [entry({ protocol: "Two Captcha" })] }, "providers file: providers.0.protocol must be a protocol id such as twocaptcha"],
    ["an unknown task type", { providers: [entry({ tasks: { FunCaptchaTask: { price: 1, solve_seconds: 1, accuracy: 1 } } })] }, 'providers file: providers.0.tasks Unrecognized key: "FunCaptchaTask"'],
    ["a negative price", { providers: [entry({ tasks: { RecaptchaV2Task: { price: -1, solve_seconds: 20, accuracy: 0.9 } } })] }, "providers file: providers.0.tasks.RecaptchaV2Task.price"],
    ["an accuracy above 1", { providers: [entry({ tasks: { RecaptchaV2Task: { price: 1, solve_seconds: 20, accuracy: 95 } } })] }, "providers file: providers.0.tasks.RecaptchaV2Task.accuracy Too big: expected number to be <=1"],
    ["a price with too many decimals", { providers: [entry({ tasks: { RecaptchaV2Task: { price: "0.1234567", solve_seconds: 20, accuracy: 0.9 } } })] }, 'providers file: providers.0.tasks.RecaptchaV2Task.price "0.1234567" has more than 6 decimals'],
    ["the same id twice", { providers: [entry(), entry()] }, 'providers file: provider id "2captcha" appears twice'],
  ])("refuses %s with an error naming the field", (_case, file, message) => {
    expect(() => parseProvidersFile(file)).toThrow(message);
  });
});
