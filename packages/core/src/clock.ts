/** Time as the domain sees it; tests pass a fake. */
export interface Clock {
  now(): number; // epoch milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };

export const isoTime = (epochMs: number): string => new Date(epochMs).toISOString();

/** The UTC day of an instant, YYYY-MM-DD (usage is counted per task creation day). */
export const dayOf = (epochMs: number): string => isoTime(epochMs).slice(0, 10);
