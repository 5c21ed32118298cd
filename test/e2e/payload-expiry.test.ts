/**
 * A task's request — images, proxy credentials — is gone from storage when the task ends, read
 * straight from the table (every item scanned, with the stack's own credentials): small requests
 * that travel inside the task item and large ones kept in chunks alike. Proxy passwords never
 * appear in results or lists.
 */
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { LocalStack } from "@solver-router/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, fakeImage, startStack, waitForEnd } from "./support.ts";

let stack: LocalStack;
let db: DynamoDBClient;

beforeAll(async () => {
  stack = await startStack();
  db = new DynamoDBClient({ region: "us-east-1", endpoint: stack.endpoints.dynamodb, credentials: stack.endpoints.dynamodbCredentials });
});
afterAll(async () => {
  db?.destroy();
  await stack?.stop();
});

/** Every item of the table as raw JSON text (binary attributes decoded too). */
async function tableText(): Promise<string> {
  const parts: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: "solver-router", ...(startKey ? { ExclusiveStartKey: startKey as never } : {}) }));
    for (const item of page.Items ?? []) {
      parts.push(JSON.stringify(item, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString("latin1") : value)));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return parts.join("\n");
}

describe("requests expire with their task", () => {
  it("an image (large, in chunks) and a proxy password (small, inline) are in the table while the task runs and gone once it ends", async () => {
    const { api } = await createTeam(stack, "expiry", 10);
    const image = fakeImage(3000); // over the inline limit: kept in chunks
    const password = "pw-7f3a9c1e5b";
    const [big, small] = await Promise.all([
      api.request("POST", "/v2/solver/image", { body: { image } }),
      api.request("POST", "/v2/solver/recaptcha/v2", {
        body: { site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: "https://example.com/", proxy: `user:${password}@203.0.113.7:3128`, proxy_type: "HTTP" },
      }),
    ]);
    expect([big.status, small.status]).toEqual([200, 200]);
    // Stored while the tasks run (the chunks raw; the small request inside the task item).
    const running = await tableText();
    expect(running).toContain(image.slice(100, 300));
    expect(running).toContain(password);

    const results = await Promise.all([waitForEnd(api, big.body.task_id, 60_000), waitForEnd(api, small.body.task_id, 90_000)]);
    expect(results.map((r) => r.status)).toEqual(["completed", "completed"]);
    const text = await tableText();
    expect(text).not.toContain(image.slice(0, 200));
    expect(text).not.toContain(password);
    for (const r of results) expect(JSON.stringify(r)).not.toContain(password);
    expect(JSON.stringify((await api.request("GET", "/v2/solver/tasks")).body)).not.toContain(password);
  });
});
