/** Default figures of AceData's hCaptcha recognition, which publishes no price (docs/providers.md). */
import { pricingRow as row, type PricingTable } from "../pricing-table.ts";

export const ACEDATA_PRICING: PricingTable = {
  HcaptchaImageTask: row(0.1, 3, 0.8, "AceData publishes no price: assumed; synchronous answer with a confidence figure"),
};
