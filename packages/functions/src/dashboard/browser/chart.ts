/** Stacked bars per day as inline SVG: one segment per group key, each with its raw value. */
import { clear, h, svg } from "./dom.ts";
import { microToString } from "./format.ts";

export type DayValues = Record<string, Record<string, number>>;

export interface ChartOptions {
  /** Values are micro-credits (axis and labels in credits); otherwise whole counts. */
  micro: boolean;
  unit: string;
  /** The label a group key is shown with. */
  label: (key: string) => string;
}

function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const e = Math.pow(10, Math.floor(Math.log10(v)));
  const f = v / e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
}

function axisLabel(v: number, micro: boolean): string {
  if (!micro) return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(1);
  return microToString(Math.round(v * 1e6));
}

export function stackedBars(box: HTMLElement, days: string[], keys: string[], colors: Record<string, string>, values: DayValues, opt: ChartOptions): void {
  clear(box);
  const W = 640, H = 240, L = 58, R = 10, T = 12, B = 30;
  const pw = W - L - R, ph = H - T - B;
  const totals = days.map((d) => keys.reduce((sum, k) => sum + (values[d]?.[k] || 0), 0));
  const maxRaw = Math.max(0, ...totals);
  // four gridline steps; counts step in whole tasks
  const max = opt.micro ? niceCeil(maxRaw / 1e6) : 4 * Math.max(1, Math.ceil(niceCeil(maxRaw / 4)));
  const plot = svg("svg", { class: "plot", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": box.getAttribute("aria-label") || "", "data-max": max });
  for (let g = 0; g <= 4; g++) {
    const gv = (max * g) / 4;
    const y = T + ph - (ph * g) / 4;
    plot.appendChild(svg("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: g === 0 ? "#9aa3b2" : "#e6e9ef", "stroke-width": 1 }));
    plot.appendChild(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end", "font-size": 10, fill: "#5d6778" }, axisLabel(gv, opt.micro)));
  }
  const step = pw / Math.max(days.length, 1);
  const bw = Math.max(1, Math.min(28, step * 0.72));
  const labelEvery = Math.ceil(days.length / 8);
  days.forEach((day, i) => {
    const x = L + step * i + (step - bw) / 2;
    let base = T + ph;
    const v = values[day] || {};
    for (const k of keys) {
      const raw = v[k] || 0;
      if (!raw) continue;
      const amount = opt.micro ? raw / 1e6 : raw;
      const hgt = (ph * amount) / max;
      base -= hgt;
      const shown = opt.micro ? microToString(raw) : String(raw);
      plot.appendChild(
        svg(
          "rect",
          {
            x: x.toFixed(2), y: base.toFixed(2), width: bw.toFixed(2), height: Math.max(hgt, 0.5).toFixed(2), fill: colors[k],
            "data-testid": "bar-segment", "data-day": day, "data-key": k, "data-value": shown,
          },
          svg("title", null, day + " · " + opt.label(k) + ": " + shown + " " + opt.unit),
        ),
      );
    }
    if ((days.length - 1 - i) % labelEvery === 0) {
      plot.appendChild(svg("text", { x: (L + step * i + step / 2).toFixed(2), y: H - 10, "text-anchor": "middle", "font-size": 10, fill: "#5d6778" }, day.slice(5)));
    }
  });
  box.appendChild(plot);
  const legend = h("div", { class: "legend" });
  if (!keys.length) legend.appendChild(h("span", { class: "empty" }, "No tasks in this range."));
  for (const k of keys) {
    const swatch = svg("svg", { width: 10, height: 10, viewBox: "0 0 10 10", "aria-hidden": "true" }, svg("rect", { width: 10, height: 10, rx: 2, fill: colors[k] }));
    legend.appendChild(h("span", { "data-testid": "legend-item", "data-key": k }, [swatch, opt.label(k)]));
  }
  box.appendChild(legend);
}
