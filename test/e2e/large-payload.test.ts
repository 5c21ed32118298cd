/**
 * A task near the 1 MiB body limit is bigger than one DynamoDB item (400 KB): the task store
 * splits its fields into chunks. This shows such a task goes through intact, and that an image
 * the upstream refuses as too big fails with a full refund.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, startStack, waitForEnd, type LocalStack } from "./support.ts";

describe("payloads bigger than a DynamoDB item", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  const imageOf = (bytes: number) => Buffer.alloc(bytes, 7).toString("base64");

  it("stores a 560 KB image (750 KB of base64) in chunks, reads it back intact and completes the task", async () => {
    const team = await createTeam(stack, "big", 10);
    const image = imageOf(560 * 1024);
    const submitted = await team.api.request("POST", "/v2/solver/image", { body: { image } });
    expect(submitted.status).toBe(200);
    expect(await stack.ctx.tasks.getPayload(submitted.body.task_id)).toEqual({ type: "ImageToTextTask", fields: { image } });
    const result = await waitForEnd(team.api, submitted.body.task_id);
    expect(result.status).toBe("completed");
  });

  it("fails an image the upstream finds too big (ERROR_TOO_BIG_CAPTCHA_FILESIZE) and charges nothing", async () => {
    const team = await createTeam(stack, "too-big", 10);
    const submitted = await team.api.request("POST", "/v2/solver/coordinates", { body: { image: imageOf(700 * 1024) } });
    expect(submitted.status).toBe(200);
    const result = await waitForEnd(team.api, submitted.body.task_id);
    expect(result).toMatchObject({ status: "failed", credits_used: null });
    expect(result.error).toMatch(/600 kB|too big|size/i);
    const account = await team.api.request("GET", "/v2/account");
    expect(account.body).toMatchObject({ balance: 10, reserved: 0 });
  });
});
