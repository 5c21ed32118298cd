/**
 * The shared provider state on DynamoDB (DynamoProviderStateStore) against DynamoDB Local, as
 * the runtime wires it, with a clock the test moves:
 *  - observations go to 10-minute bucket items (`#obs#<bucket>#<provider>`, with expires_at);
 *    list() sums the window's buckets (the last 50 to 60 minutes) in one query; a bucket that
 *    left the window no longer counts although it is still in the table (TTL takes its time);
 *  - the cooldown stays on the `<provider>` item and is never shortened;
 *  - concurrent writes to one bucket all count (ADD, no read-modify-write).
 * The test's time is far in the future and its provider ids its own, so nothing else the stack
 * writes falls into its window.
 */
import { createRuntime, OBSERVATION_SHARDS, type Runtime } from "@solver-router/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The DynamoDB client is a dependency of @solver-router/functions, not of the workspace root: import it from there.
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { startStack, type LocalStack } from "./support.ts";

const MINUTE = 60_000;
const T0 = Date.UTC(2100, 0, 1, 12, 0, 0); // a bucket start
const at = (minutes: number) => T0 + minutes * MINUTE;

let stack: LocalStack;
let runtime: Runtime;
let nowMs = T0;

beforeAll(async () => {
  stack = await startStack();
  runtime = createRuntime({
    tableName: "solver-router",
    queueUrl: stack.endpoints.queueUrl,
    providers: [],
    region: "us-east-1",
    dynamoEndpoint: stack.endpoints.dynamodb,
    sqsEndpoint: stack.endpoints.sqs,
    credentials: stack.endpoints.dynamodbCredentials,
    clock: { now: () => nowMs },
  });
});

afterAll(async () => {
  runtime?.dynamo.destroy();
  runtime?.sqs.destroy();
  await stack?.stop();
});

const store = () => runtime.ctx.providerStates;
const stateOf = async (providerId: string) => (await store().list()).find((s) => s.providerId === providerId);

/** The raw items of the PROVIDERS partition that belong to `providerId`. */
/** The provider's items: its state item, and its observation buckets in whichever shard partition took them. */
async function itemsOf(providerId: string) {
  const partitions = ["PROVIDERS", ...Array.from({ length: OBSERVATION_SHARDS }, (_, n) => `PROVIDERS#obs#${n}`)];
  const pages = await Promise.all(
    partitions.map((pk) =>
      runtime.dynamo.send(new QueryCommand({ TableName: "solver-router", KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: pk } } })),
    ),
  );
  return pages.flatMap((page) => page.Items ?? []).filter((item) => item.sk?.S === providerId || item.provider_id?.S === providerId);
}

describe("DynamoProviderStateStore: observations in time buckets", () => {
  it("sums the window's buckets; a bucket that left the window stops counting, still in the table or not", async () => {
    const id = "window-a";
    nowMs = at(0);
    await store().recordAttempt(id, "ImageToTextTask", { kind: "solved", solveSeconds: 2.5 });
    nowMs = at(9.5);
    await store().recordAttempt(id, "ImageToTextTask", { kind: "unsolvable" });
    await store().recordReport(id, "ImageToTextTask", false);
    nowMs = at(10);
    await store().recordAttempt(id, "ImageToTextTask", { kind: "solved", solveSeconds: 1.5 });
    await store().recordAttempt(id, "TextCaptchaTask", { kind: "error" });
    await store().setCooldown(id, at(70), "ERROR_ZERO_BALANCE");

    const items = await itemsOf(id);
    expect(items.map((item) => item.sk?.S).sort()).toEqual([
      "#obs#2100-01-01T12:00:00.000Z#window-a",
      "#obs#2100-01-01T12:10:00.000Z#window-a",
      "window-a",
    ]);
    const first = items.find((item) => item.sk?.S === "#obs#2100-01-01T12:00:00.000Z#window-a")!;
    expect(first).toMatchObject({
      provider_id: { S: id },
      bucket_start: { N: String(at(0)) },
      expires_at: { N: String((at(0) + 120 * MINUTE) / 1000) },
      "ImageToTextTask.attempts": { N: "2" },
      "ImageToTextTask.solved": { N: "1" },
      "ImageToTextTask.unsolvable": { N: "1" },
      "ImageToTextTask.solve_ms": { N: "2500" },
      "ImageToTextTask.reports_bad": { N: "1" },
    });
    const cooldownItem = items.find((item) => item.sk?.S === id)!;
    expect(Object.keys(cooldownItem).sort()).toEqual(["cooldown_reason", "cooldown_until", "pk", "sk"]);

    nowMs = at(59.99);
    expect(await stateOf(id)).toEqual({
      providerId: id,
      cooldownUntil: at(70),
      cooldownReason: "ERROR_ZERO_BALANCE",
      observed: {
        ImageToTextTask: { attempts: 3, solved: 2, unsolvable: 1, errors: 0, solveSecondsTotal: 4, reportsGood: 0, reportsBad: 1 },
        TextCaptchaTask: { attempts: 1, solved: 0, unsolvable: 0, errors: 1, solveSecondsTotal: 0, reportsGood: 0, reportsBad: 0 },
      },
    });

    nowMs = at(60); // the 12:00 bucket leaves the window; TTL has not removed it
    expect((await stateOf(id))?.observed.ImageToTextTask).toEqual({ attempts: 1, solved: 1, unsolvable: 0, errors: 0, solveSecondsTotal: 1.5, reportsGood: 0, reportsBad: 0 });
    expect(await itemsOf(id)).toHaveLength(3);

    nowMs = at(70); // and the 12:10 one
    expect(await stateOf(id)).toEqual({ providerId: id, cooldownUntil: at(70), cooldownReason: "ERROR_ZERO_BALANCE", observed: {} });
  });

  it("the cooldown stays on the provider's item and is never shortened", async () => {
    const id = "window-b";
    nowMs = at(200);
    await store().setCooldown(id, at(210), "HTTP_500");
    await store().setCooldown(id, at(205), "shorter");
    expect(await stateOf(id)).toMatchObject({ cooldownUntil: at(210), cooldownReason: "HTTP_500" });
    await store().setCooldown(id, at(220), "longer");
    await store().recordAttempt(id, "ImageToTextTask", { kind: "error" });
    expect(await stateOf(id)).toMatchObject({ cooldownUntil: at(220), cooldownReason: "longer", observed: { ImageToTextTask: { attempts: 1, errors: 1 } } });
  });

  it("concurrent writes to one bucket all count", async () => {
    const id = "window-c";
    nowMs = at(300);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        i % 5 === 0 ? store().recordReport(id, "RecaptchaV2Task", true) : store().recordAttempt(id, "RecaptchaV2Task", { kind: "solved", solveSeconds: 10 }),
      ),
    );
    expect((await stateOf(id))?.observed.RecaptchaV2Task).toEqual({ attempts: 20, solved: 20, unsolvable: 0, errors: 0, solveSecondsTotal: 200, reportsGood: 5, reportsBad: 0 });
  });
});
