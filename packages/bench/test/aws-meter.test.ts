// The cost benchmark's meter on real SDK clients over HTTP: DynamoDB against a stand-in that
// answers like DynamoDB Local does with ReturnConsumedCapacity, SQS against fauxqs.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startFauxqs } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsMeter } from "../src/aws-meter.ts";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };

describe("AwsMeter on DynamoDB", () => {
  const seen: { target: string; body: Record<string, unknown> }[] = [];
  /** What the stand-in answers per operation (as DynamoDB Local does for these calls with TOTAL). */
  const answers: Record<string, { status: number; body: unknown }> = {
    PutItem: { status: 200, body: { ConsumedCapacity: { TableName: "t", CapacityUnits: 6 } } },
    TransactWriteItems: { status: 200, body: { ConsumedCapacity: [{ TableName: "t", CapacityUnits: 14 }, { TableName: "u", CapacityUnits: 2 }] } },
    GetItem: { status: 200, body: { Item: { pk: { S: "a" } }, ConsumedCapacity: { TableName: "t", CapacityUnits: 0.5 } } },
    DescribeTable: { status: 200, body: { Table: { TableName: "t" } } },
  };
  let server: Server;
  let dynamo: DynamoDBClient;
  let meter: AwsMeter;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString()));
      request.on("end", () => {
        const target = String(request.headers["x-amz-target"]).split(".")[1]!;
        seen.push({ target, body: JSON.parse(text) as Record<string, unknown> });
        const answer = answers[target] ?? { status: 400, body: { __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", message: "The conditional request failed" } };
        response.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    dynamo = new DynamoDBClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: "us-east-1", credentials, maxAttempts: 1 });
    meter = new AwsMeter();
    meter.instrument({ dynamo, sqs: new SQSClient({ region: "us-east-1", credentials }) });
  });
  afterAll(() => {
    dynamo.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("asks for TOTAL capacity where the operation takes it, and sums write and read units by operation", async () => {
    const key = { pk: { S: "a" }, sk: { S: "1" } };
    await dynamo.send(new PutItemCommand({ TableName: "t", Item: key }));
    await dynamo.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: "t", Item: key } }, { Put: { TableName: "u", Item: key } }] }));
    await dynamo.send(new GetItemCommand({ TableName: "t", Key: key }));
    await dynamo.send(new DescribeTableCommand({ TableName: "t" }));
    answers.PutItem = { status: 400, body: { __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", message: "The conditional request failed" } };
    await expect(dynamo.send(new PutItemCommand({ TableName: "t", Item: key }))).rejects.toThrow(/conditional/);

    expect(seen.map((s) => [s.target, s.body.ReturnConsumedCapacity])).toEqual([
      ["PutItem", "TOTAL"],
      ["TransactWriteItems", "TOTAL"],
      ["GetItem", "TOTAL"],
      ["DescribeTable", undefined],
      ["PutItem", "TOTAL"],
    ]);
    const counts = meter.take();
    expect(counts.dynamo).toEqual({
      PutItem: { calls: 2, units: 6, errors: 1 },
      TransactWriteItems: { calls: 1, units: 16, errors: 0 },
      GetItem: { calls: 1, units: 0.5, errors: 0 },
      DescribeTable: { calls: 1, units: 0, errors: 0 },
    });
    expect(counts.writeUnits).toBe(22);
    expect(counts.readUnits).toBe(0.5);
    expect(meter.take().dynamo).toEqual({});
  });
});

describe("AwsMeter on SQS (fauxqs)", () => {
  let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
  let sqs: SQSClient;
  let meter: AwsMeter;

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
    sqs = new SQSClient({ endpoint: `http://127.0.0.1:${fauxqs.port}`, region: "us-east-1", credentials });
    meter = new AwsMeter();
    meter.instrument({ dynamo: new DynamoDBClient({ region: "us-east-1", credentials }), sqs });
  });
  afterAll(async () => {
    sqs.destroy();
    await fauxqs.stop();
  });

  it("counts requests by operation in 64 KB chunks, and empty receives apart", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "meter-test" }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x".repeat(70 * 1024) })); // two chunks
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: ["a", "b", "c"].map((body, i) => ({ Id: String(i), MessageBody: body })) })); // one
    // Receive all four (fauxqs may hand them out over several calls), then once more: nothing is left.
    const chunksPerReceive: number[] = [];
    let received = 0;
    while (received < 4) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      if (Messages.length === 0) continue;
      received += Messages.length;
      const bytes = Messages.reduce((sum, m) => sum + Buffer.byteLength(m.Body ?? ""), 0);
      chunksPerReceive.push(Math.max(1, Math.ceil(bytes / 65_536)));
    }
    const counts = meter.take();
    expect(counts.sqs.CreateQueue).toEqual({ calls: 1, units: 1, errors: 0 });
    expect(counts.sqs.SendMessage).toEqual({ calls: 1, units: 2, errors: 0 }); // 70 KB: two chunks
    expect(counts.sqs.SendMessageBatch).toEqual({ calls: 1, units: 1, errors: 0 }); // three small bodies: one
    expect(counts.sqs.ReceiveMessage).toEqual({ calls: chunksPerReceive.length, units: chunksPerReceive.length + 1, errors: 0 });
    expect(chunksPerReceive.reduce((a, b) => a + b, 0)).toBe(chunksPerReceive.length + 1);

    const { Messages: none = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(none).toEqual([]);
    expect(meter.take()).toEqual({ dynamo: {}, sqs: {}, readUnits: 0, writeUnits: 0, emptyReceives: 1 });
  });
});
