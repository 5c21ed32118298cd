/**
 * Errors shown to teams are the router's own words: an upstream answering a text that holds the
 * router's balance at that provider never reaches a team (its admins still see it).
 */
import { startSolverv2Sandbox, type Solverv2Sandbox } from "@solver-router/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, startStack, waitForEnd, writeProvidersFile, type LocalStack } from "./support.ts";

describe("errors shown to teams", () => {
  let stack: LocalStack;
  let upstream: Solverv2Sandbox;
  beforeAll(async () => {
    upstream = await startSolverv2Sandbox({ name: "solverv2", solveAfterMs: 300 });
    const providersFile = await writeProvidersFile([
      {
        id: "smart",
        protocol: "solverv2",
        base_url: upstream.url,
        api_key: upstream.apiKey,
        enabled: true,
        tasks: { HcaptchaImageTask: { price: 0.15, solve_seconds: 5, accuracy: 0.9 } },
      },
    ]);
    stack = await startStack({ providersFile });
  });
  afterAll(async () => {
    await stack?.stop();
    await upstream?.close();
  });

  it("an upstream answering 'Insufficient credits. Need 0.15, have 0.00' (the router's balance there) shows the team neither the text nor the code", async () => {
    upstream.setFault("insufficient_credits");
    const { api } = await createTeam(stack, "errors", 5);
    const submitted = await api.request("POST", "/v2/solver/hcaptcha/image", { body: { images: [fakeImage()], question: "Click the bus" } });
    expect(submitted.status).toBe(200);
    const result = await waitForEnd(api, submitted.body.task_id);
    expect(result.status).toBe("failed");
    expect(result.attempts[0].error).toBe("PROVIDER_UNAVAILABLE: The provider could not take tasks at the moment.");
    const shown = JSON.stringify(result);
    for (const leak of ["Insufficient", "have 0.0", "Need 0.15", "credits ran out", "out of credits", "INSUFFICIENT_CREDITS", upstream.apiKey]) {
      expect(shown, leak).not.toContain(leak);
    }
    expect(JSON.stringify((await api.request("GET", "/v2/solver/tasks")).body)).not.toContain("Insufficient");
    // The admins still see what the upstream said.
    const providers = (await client(stack, stack.adminKey).request("GET", "/v2/admin/providers")).body.providers;
    expect(providers[0].cooldown_reason).toMatch(/Insufficient credits\. Need 0\.15, have 0\.00/);
  });
});
