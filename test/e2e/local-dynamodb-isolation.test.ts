/**
 * DynamoDB Local answers on every network interface and cannot be told otherwise, so the local
 * stack's data must be useless to anyone without the stack's own access key: a client with the
 * well-known local credentials (or any other) sees no router table and can neither read nor write
 * a key item, and a key item planted in its own database does not let anyone in. Probed over
 * loopback, with the data kept on disk as `pnpm start` does.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, startStack, type LocalStack } from "./support.ts";

const TABLE = "solver-router";
/** Credentials that tutorials, tools and DynamoDB Local's own docs use, and a random one. */
const OTHER_CREDENTIALS = [
  { accessKeyId: "local", secretAccessKey: "fake" },
  { accessKeyId: "local", secretAccessKey: "local" },
  { accessKeyId: "fakeMyKeyId", secretAccessKey: "fakeSecretAccessKey" },
  { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  { accessKeyId: "dummy", secretAccessKey: "dummy" },
  { accessKeyId: `guess${randomBytes(8).toString("hex")}`, secretAccessKey: "x" },
];

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const apiKeyItemKey = (apiKey: string): Record<string, AttributeValue> => ({ pk: { S: `APIKEY#${sha256(apiKey)}` }, sk: { S: "APIKEY" } });

describe("the local stack's DynamoDB Local is useless without the stack's own key", () => {
  let stack: LocalStack;
  let dataDir: string;
  let team: { teamId: string; apiKey: string };
  const clients: DynamoDBClient[] = [];
  const dynamo = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
    const made = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: "us-east-1", credentials, maxAttempts: 1 });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "solver-router-isolation-"));
    stack = await startStack({ dataDir });
    expect(new URL(stack.endpoints.dynamodb).hostname).toBe("127.0.0.1");
    team = await createTeam(stack, "victim", 10);
  });

  afterAll(async () => {
    for (const made of clients) made.destroy();
    await stack?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("the stack's own credentials see the router table and the team's key item (the probe works)", async () => {
    const own = dynamo(stack.endpoints.dynamodbCredentials);
    expect((await own.send(new ListTablesCommand({}))).TableNames).toContain(TABLE);
    const { Item } = await own.send(new GetItemCommand({ TableName: TABLE, Key: apiKeyItemKey(team.apiKey) }));
    expect(Item?.team_id?.S).toBe(team.teamId);
  });

  it.each(OTHER_CREDENTIALS)("access key $accessKeyId lists no router table and cannot read or write a key item", async (credentials) => {
    const other = dynamo(credentials);
    expect((await other.send(new ListTablesCommand({}))).TableNames ?? []).not.toContain(TABLE);
    await expect(other.send(new GetItemCommand({ TableName: TABLE, Key: apiKeyItemKey(team.apiKey) }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    const minted = randomBytes(16).toString("hex"); // the shape of a real key
    await expect(
      other.send(new PutItemCommand({ TableName: TABLE, Item: { ...apiKeyItemKey(minted), team_id: { S: team.teamId }, key_prefix: { S: minted.slice(0, 8) } } })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("a key item planted in another key's own 'solver-router' table lets nobody in", async () => {
    const attacker = dynamo({ accessKeyId: "local", secretAccessKey: "fake" });
    await attacker.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      }),
    );
    const minted = randomBytes(16).toString("hex"); // the shape of a real key
    await attacker.send(new PutItemCommand({ TableName: TABLE, Item: { ...apiKeyItemKey(minted), team_id: { S: team.teamId }, key_prefix: { S: minted.slice(0, 8) } } }));

    const asMinted = await client(stack, minted).request("GET", "/v2/account");
    expect(asMinted.status).toBe(401);
    const own = dynamo(stack.endpoints.dynamodbCredentials);
    expect((await own.send(new GetItemCommand({ TableName: TABLE, Key: apiKeyItemKey(minted) }))).Item).toBeUndefined();
    // The real key still works.
    expect((await client(stack, team.apiKey).request("GET", "/v2/account")).status).toBe(200);
  });
});
