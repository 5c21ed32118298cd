/**
 * Reading JSON whose shape is not known yet, shared by the adapters (upstream answers): none may
 * throw on a body that is not JSON.
 */

/** The text as JSON, or undefined when it is not JSON (an HTML error page, say). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
