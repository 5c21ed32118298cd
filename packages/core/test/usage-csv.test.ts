// The usage report as CSV: a header row, one line per row, no totals line; a field holding a
// comma, a quote or a line break is quoted (RFC 4180), so a spreadsheet reads the same columns.
import { describe, expect, it } from "vitest";
import { usageCsv, usageReport } from "../src/index.ts";
import { createWorld, credits, provider } from "./fakes.ts";

const figures = { tasks: 3, completed: 2, failed: 1, credits_used: 0.25, avg_solve_seconds: 4.5, median_solve_seconds: null };

describe("usage CSV", () => {
  it("quotes fields holding commas, quotes or line breaks, doubling inner quotes; leaves the rest bare", () => {
    const csv = usageCsv({
      group_by: ["provider", "team"],
      rows: [
        { provider: "plain", team_id: 'say "hi"', ...figures },
        { provider: "a,b", team_id: "line\nbreak", ...figures },
      ],
    });
    expect(csv).toBe(
      [
        "provider,team_id,tasks,completed,failed,credits_used,avg_solve_seconds,median_solve_seconds",
        'plain,"say ""hi""",3,2,1,0.25,4.5,',
        '"a,b","line\nbreak",3,2,1,0.25,4.5,',
        "",
      ].join("\n"),
    );
  });

  it("an empty report is the header line alone", async () => {
    const w = createWorld({ providers: [provider("alpha", "twocaptcha", { ImageToTextTask: { price: "0.1", seconds: 3, accuracy: 0.9 } })] });
    const team = w.teams.seed(credits("1"));
    const report = await usageReport(w.ctx, { from: "2025-01-01", to: "2025-01-31", group_by: "day,task_type" }, { teamId: team.teamId });
    expect(report.rows).toEqual([]);
    expect(report.totals).toEqual({ tasks: 0, completed: 0, failed: 0, credits_used: 0, avg_solve_seconds: null, median_solve_seconds: null });
    expect(usageCsv(report)).toBe("day,task_type,tasks,completed,failed,credits_used,avg_solve_seconds,median_solve_seconds\n");
  });
});
