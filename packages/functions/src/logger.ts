/**
 * One JSON line per event (CloudWatch-friendly). Callers pass ids and codes, never keys:
 * nothing here knows a secret, and nothing that carries one is handed to it.
 */
import type { Logger } from "@solver-router/core";

const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...fields });
  if (level === "error") console.error(line);
  else console.log(line);
};

export const jsonLogger: Logger = { info: write("info"), warn: write("warn"), error: write("error") };

export const quietLogger = (minLevel: "warn" | "error" = "warn"): Logger => ({
  info() {},
  warn: minLevel === "warn" ? write("warn") : () => {},
  error: write("error"),
});
