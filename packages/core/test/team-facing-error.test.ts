// What teams are told about upstream errors: the router's words, never the upstream's text or
// anything about the router's account at a provider.
import { describe, expect, it } from "vitest";
import { adminFacingError, getResult, teamFacingError } from "../src/index.ts";
import { createWorld, credits, provider, upstreamError } from "./fakes.ts";

const image = { ImageToTextTask: { price: "0.1", seconds: 5, accuracy: 0.9 } };

describe("team-facing errors", () => {
  it("keep an upstream code and the router's sentence; hide account trouble; never carry the upstream's own text", () => {
    const withDetail = (e: ReturnType<typeof upstreamError>, detail: string) => ({ ...e.error, detail });
    expect(teamFacingError(withDetail(upstreamError("bad_request", "ERROR_PAGEURL", "The page URL is missing or invalid."), "pageurl=?? balance 3.20"))).toBe(
      "ERROR_PAGEURL: The page URL is missing or invalid.",
    );
    const broke = withDetail(upstreamError("cooldown", "ERROR_ZERO_BALANCE", "The provider account has no funds left."), "balance: 0.00 USD");
    expect(teamFacingError(broke)).toBe("PROVIDER_UNAVAILABLE: The provider could not take tasks at the moment.");
    expect(adminFacingError(broke)).toBe("ERROR_ZERO_BALANCE: The provider account has no funds left. (balance: 0.00 USD)");
    expect(teamFacingError(upstreamError("unsolvable", "weird code!", "The provider could not solve the task.").error)).toBe("UPSTREAM_ERROR: The provider could not solve the task.");
  });

  it("a failover after an upstream's account error shows the team neither the code nor its words, in attempts, routing or error", async () => {
    const w = createWorld({ providers: [provider("alpha", "twocaptcha", image), provider("beta", "solverv2", image)] });
    const broke = upstreamError("cooldown", "ERROR_ZERO_BALANCE", "The provider account has no funds left.", 600);
    w.adapters.twocaptcha.onSubmit("alpha", { ...broke, error: { ...broke.error, detail: "Balance 0.00" } });
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);
    const shown = JSON.stringify(await getResult(w.ctx, team.teamId, task_id));
    expect(shown).toContain("PROVIDER_UNAVAILABLE");
    for (const leak of ["ZERO_BALANCE", "funds", "Balance 0.00"]) expect(shown).not.toContain(leak);
    expect(w.providerStates.cooldowns.find((c) => c.providerId === "alpha")).toMatchObject({ reason: "ERROR_ZERO_BALANCE: The provider account has no funds left. (Balance 0.00)" });
  });
});
