/** The four launch providers with their default pricing, at the given URLs (the local stack points them at its sandboxes). */
import type { Provider } from "@solver-router/core";
import { ACEDATA_PRICING } from "./acedata/pricing.ts";
import { SOLVERV2_PRICING } from "./solverv2/pricing.ts";
import { SOLVECAPTCHA_PRICING, TWOCAPTCHA_PRICING } from "./twocaptcha/pricing.ts";

export function launchProviders(
  urls: { twocaptcha: string; solvecaptcha: string; acedata: string; solverv2: string },
  keys: { twocaptcha: string; acedata: string; solverv2: string },
): Provider[] {
  return [
    { id: "2captcha", protocol: "twocaptcha", baseUrl: urls.twocaptcha, apiKey: keys.twocaptcha, enabled: true, tasks: TWOCAPTCHA_PRICING },
    { id: "solvecaptcha", protocol: "twocaptcha", baseUrl: urls.solvecaptcha, apiKey: keys.twocaptcha, enabled: true, tasks: SOLVECAPTCHA_PRICING },
    { id: "acedata", protocol: "acedata", baseUrl: urls.acedata, apiKey: keys.acedata, enabled: true, tasks: ACEDATA_PRICING },
    { id: "solverv2", protocol: "solverv2", baseUrl: urls.solverv2, apiKey: keys.solverv2, enabled: true, tasks: SOLVERV2_PRICING },
  ];
}
