/**
 * Numbers and UTC days as the dashboard shows them. Credits are decimals with up to 6 places;
 * sums are done in integer micro-credits.
 */

export const toMicro = (credits: number | null | undefined) => Math.round(Number(credits || 0) * 1e6);

export function microToString(micro: number): string {
  const negative = micro < 0;
  const m = Math.abs(micro);
  const whole = Math.floor(m / 1e6);
  const fraction = String(m % 1e6).padStart(6, "0").replace(/0+$/, "");
  return (negative ? "-" : "") + whole.toLocaleString("en-US") + (fraction ? "." + fraction : "");
}

const absent = (v: unknown): v is null | undefined => v === null || v === undefined;

export const fmtCredits = (v: number | null | undefined) => (absent(v) ? "—" : microToString(toMicro(v)));
export const fmtInt = (v: number | null | undefined) => (absent(v) ? "—" : Number(v).toLocaleString("en-US"));
export const fmtRate = (completed: number, tasks: number) => (tasks ? ((completed / tasks) * 100).toFixed(1) : "—");
export const fmtSeconds = (v: number | null | undefined) => (absent(v) ? "—" : Number(v).toFixed(2));

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return String(iso);
  return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

export const today = () => new Date().toISOString().slice(0, 10);

export function addDays(day: string, n: number): string {
  const [y = 0, m = 1, d = 1] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < 1000; d = addDays(d, 1)) out.push(d);
  return out;
}

export const isDay = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !isNaN(Date.parse(v + "T00:00:00Z"));
