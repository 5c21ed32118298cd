/** Default figures of the SmartCaptcha JSON API: its public price table by tier (docs/providers.md). */
import { tieredPricingRow as tiered, type PricingTable } from "../pricing-table.ts";

export const SOLVERV2_PRICING: PricingTable = {
  HcaptchaImageTask: tiered({ speed: 0.1, balanced: 0.15, accuracy: 0.25 }, 15, 0.9, "SmartCaptcha's price table (0.10 / 0.15 / 0.25) and estimated_time 15.0"),
  RecaptchaV2Task: tiered({ speed: 0.2, balanced: 0.3, accuracy: 0.4 }, 20, 0.95, "SmartCaptcha's price table (0.20 / 0.30 / 0.40) and estimated_time 20.0"),
};
