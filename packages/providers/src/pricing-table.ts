/** Helpers for the protocol folders' default pricing tables (credits per task; 1 credit = $0.01). */
import { creditsToMicro, type Priority, type TaskPricing, type TaskType } from "@solver-router/core";

export type PricingTable = Partial<Record<TaskType, TaskPricing>>;

/** One task type's figures: `price` in credits ("$X per 1000" = X/10 credits). */
export const pricingRow = (price: number, solveSeconds: number, accuracy: number, source: string): TaskPricing => ({
  priceMicro: creditsToMicro(price),
  solveSeconds,
  accuracy,
  source,
});

/** The same, for upstreams that price each priority tier. */
export const tieredPricingRow = (prices: Record<Priority, number>, solveSeconds: number, accuracy: number, source: string): TaskPricing => ({
  ...pricingRow(prices.balanced, solveSeconds, accuracy, source),
  pricesMicro: { speed: creditsToMicro(prices.speed), balanced: creditsToMicro(prices.balanced), accuracy: creditsToMicro(prices.accuracy) },
});
