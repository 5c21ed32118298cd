/**
 * AceData's `solution.box` as click coordinates. The seed shows `["360", "276"]`: one point,
 * its numbers as strings. Also accepted, since a recognition may hold several points:
 * numbers instead of strings, a flat list `[x1, y1, x2, y2, ...]`, a list of pairs
 * `[[x1, y1], [x2, y2]]`, and a list of `{x, y}` objects. Anything else is no usable box.
 */
export interface Point {
  x: number;
  y: number;
}

export function parseBox(box: unknown): Point[] | undefined {
  if (!Array.isArray(box) || box.length === 0) return undefined;
  if (box.every((item) => toNumber(item) !== undefined)) {
    if (box.length % 2 !== 0) return undefined;
    const points: Point[] = [];
    for (let i = 0; i < box.length; i += 2) points.push({ x: toNumber(box[i])!, y: toNumber(box[i + 1])! });
    return points;
  }
  const points: Point[] = [];
  for (const item of box) {
    const point = toPoint(item);
    if (!point) return undefined;
    points.push(point);
  }
  return points;
}

function toPoint(item: unknown): Point | undefined {
  if (Array.isArray(item)) {
    if (item.length !== 2) return undefined;
    const [x, y] = [toNumber(item[0]), toNumber(item[1])];
    return x === undefined || y === undefined ? undefined : { x, y };
  }
  if (typeof item === "object" && item !== null) {
    const { x: rawX, y: rawY } = item as { x?: unknown; y?: unknown };
    const [x, y] = [toNumber(rawX), toNumber(rawY)];
    return x === undefined || y === undefined ? undefined : { x, y };
  }
  return undefined;
}

/** A finite, non-negative number, or a string holding one ("360", " 276.5 "). */
export function toNumber(value: unknown): number | undefined {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value)) n = Number(value);
  else return undefined;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
