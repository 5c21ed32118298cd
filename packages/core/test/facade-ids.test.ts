// The compatibility facades' numeric task ids and 2Captcha pingbacks (facade-ids.ts).
import { describe, expect, it } from "vitest";
import {
  CALLBACK_FIRST_DELAY_SECONDS,
  newNumericTaskId,
  numericIdOfTaskId,
  resultView,
  submitTask,
  taskIdOfNumericId,
  ulidOfNumericId,
  twocaptchaAnswerText,
} from "../src/index.ts";
import { createWorld, credits, payloadFor, provider, upstreamError } from "./fakes.ts";

const NOW = Date.UTC(2026, 11, 4, 22, 30, 0, 123);

describe("numeric facade ids", () => {
  it("map to ULIDs and back, as positive safe integers, for every random part", () => {
    for (const r of [0, 0.25, 0.5, 0.999999]) {
      const n = newNumericTaskId(NOW, () => r);
      expect(Number.isSafeInteger(n) && n > 0).toBe(true);
      const taskId = taskIdOfNumericId(n, "team-1")!;
      expect(taskId).toMatch(/^[0-9a-hjkmnp-tv-z]{26}-team-1$/);
      expect(numericIdOfTaskId(taskId)).toBe(n);
      expect(taskIdOfNumericId(String(n), "team-1")).toBe(taskId);
    }
  });

  it("keep the creation time in the ULID's time part, so ids sort by time", () => {
    const early = taskIdOfNumericId(newNumericTaskId(NOW, () => 0.9), "team-1")!;
    const late = taskIdOfNumericId(newNumericTaskId(NOW + 1, () => 0), "team-1")!;
    expect(early < late).toBe(true);
    expect(newNumericTaskId(Date.UTC(2150, 0, 1), () => 0.999)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
  });

  it("give distinct ids to distinct numbers (2048 per millisecond)", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2048; i++) ids.add(taskIdOfNumericId(newNumericTaskId(NOW, () => i / 2048), "team-1")!);
    expect(ids.size).toBe(2048);
  });

  it("refuse what is not one: native ULIDs, zero, negatives, decimals, unsafe numbers, text", () => {
    expect(numericIdOfTaskId("01kbq7yzm3x2v9h8d4w6t5r0ab")).toBeUndefined();
    expect(numericIdOfTaskId("task-0001")).toBeUndefined();
    for (const bad of [0, -5, 1.5, Number.MAX_SAFE_INTEGER + 2, "12a", "", "99999999999999999"]) expect(taskIdOfNumericId(bad, "team-1")).toBeUndefined();
  });
});

describe("2Captcha answers and pingbacks", () => {
  it("write coordinates as coordinate:x=…,y=…;…, tokens and texts as they are", () => {
    expect(twocaptchaAnswerText({ kind: "coordinates", coordinates: [{ x: 39, y: 59 }, { x: 252, y: 72 }] })).toBe("coordinate:x=39,y=59;x=252,y=72");
    expect(twocaptchaAnswerText({ kind: "token", token: "03AGdBq2", userAgent: "UA" })).toBe("03AGdBq2");
    expect(twocaptchaAnswerText({ kind: "text", text: "w93bx" })).toBe("w93bx");
  });

  function world() {
    return createWorld({ providers: [provider("alpha", "twocaptcha", { ImageToTextTask: { price: "0.1", seconds: 3, accuracy: 0.9 } })] });
  }

  it("a pingback task is POSTed as a form id=<numeric id>&code=<answer>; other tasks still get the result object", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const numeric = newNumericTaskId(w.clock.now(), () => 0.5);
    const url = "https://team.example/pingback?myId=1";
    // As the facade submits: the task's id is the ULID made from its number.
    const submitted = await submitTask(
      { ...w.ctx, newId: () => ulidOfNumericId(numeric)! },
      { teamId: team.teamId, task: payloadFor("ImageToTextTask"), priority: "balanced", callbackUrl: url, callbackFormat: "twocaptcha" },
    );
    const plain = await w.submit(team.teamId, "ImageToTextTask", { callbackUrl: "https://team.example/json" });
    await w.runner.run();
    expect(numericIdOfTaskId(submitted.task_id)).toBe(numeric);
    const posts = w.callbacks.posts;
    const pingback = posts.find((post) => post.url === url)!;
    expect(pingback.body).toBeInstanceOf(URLSearchParams);
    expect(Object.fromEntries(pingback.body as URLSearchParams)).toEqual({ id: String(numeric), code: "text-1" });
    expect(pingback.at).toBe(w.tasks.peek(submitted.task_id).completedAt! + CALLBACK_FIRST_DELAY_SECONDS * 1000);
    expect(posts.find((post) => post.url === "https://team.example/json")!.body).toEqual(resultView(w.tasks.peek(plain.task_id)));
  });

  it("an unsolvable pingback task is POSTed with code=ERROR_CAPTCHA_UNSOLVABLE", async () => {
    const w = world();
    w.adapters.twocaptcha.byDefault("alpha", { submit: upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE") });
    const team = w.teams.seed(credits("1"));
    const submitted = await w.submit(team.teamId, "ImageToTextTask", { callbackUrl: "https://team.example/pb", callbackFormat: "twocaptcha" });
    await w.runner.run();
    expect(w.tasks.peek(submitted.task_id).status).toBe("failed");
    expect(Object.fromEntries(w.callbacks.posts[0]!.body as URLSearchParams)).toEqual({ id: submitted.task_id, code: "ERROR_CAPTCHA_UNSOLVABLE" });
  });
});
