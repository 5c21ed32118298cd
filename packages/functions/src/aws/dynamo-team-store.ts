/** TeamStore on DynamoDB: teams, their balances and their keys (hashes only). */
import { BatchGetCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { monthOf, type LedgerEntry, type TakeBackResult, type Team, type TeamStore } from "@solver-router/core";
import { keys, ledgerLine, newOrderedId, TEAM_DIRECTORY_SHARDS, team as teamEntity } from "./entities.ts";
import { conditionFailed, isConditionFailure, queryAll, transactWrite } from "./transact.ts";

export class DynamoTeamStore implements TeamStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number,
    /** Resolves when the ledger holds every write made so far (runtime.ts booksCaughtUp). */
    private readonly booksCaughtUp: () => Promise<void> = async () => {},
  ) {}

  async monthUsed(teamId: string, month: string): Promise<number> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.budgetMonth(teamId, month), ConsistentRead: true }));
    return Number(Item?.used ?? 0);
  }

  async setMonthlyBudget(teamId: string, limitMicro: number | undefined): Promise<Team | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.team(teamId),
          UpdateExpression: limitMicro === undefined ? "REMOVE monthly_budget" : "SET monthly_budget = :budget",
          ConditionExpression: "attribute_exists(pk)",
          ...(limitMicro === undefined ? {} : { ExpressionAttributeValues: { ":budget": limitMicro } }),
          ReturnValues: "ALL_NEW",
        }),
      );
      if (!Attributes) return undefined;
      if (limitMicro !== undefined) await this.startMonthCounter(teamId, Attributes);
      return teamEntity.fromItem(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * The month's counter is kept only while the team has a budget (it costs a write per task).
   * A budget set mid-month starts it from what the team holds and was charged this month.
   */
  private async startMonthCounter(teamId: string, teamItem: Record<string, unknown>) {
    const month = monthOf(this.now());
    const rollups = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :month)",
      ExpressionAttributeValues: { ":pk": `USAGE#${teamId}`, ":month": month },
      ProjectionExpression: "credits_micro",
    });
    const charged = rollups.reduce((sum, item) => sum + Number(item.credits_micro ?? 0), 0);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.budgetMonth(teamId, month),
        UpdateExpression: "SET used = if_not_exists(used, :start)",
        ExpressionAttributeValues: { ":start": charged + Number(teamItem.reserved ?? 0) },
      }),
    );
  }

  async setCallbackSecret(teamId: string, secret: string): Promise<boolean> {
    const reasons = await transactWrite(this.db, [
      { ConditionCheck: { TableName: this.table, Key: keys.team(teamId), ConditionExpression: "attribute_exists(pk)" } },
      this.callbackSecretPut(teamId, secret),
    ]);
    if (!reasons) return true;
    if (conditionFailed(reasons[0])) return false;
    throw new Error(`callback secret transaction cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
  }

  async getCallbackSecret(teamId: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.callbackSecret(teamId), ConsistentRead: true }));
    return Item?.secret as string | undefined;
  }

  /** Its own item, so no read of the team (accounts, listings) ever carries it. */
  private callbackSecretPut(teamId: string, secret: string) {
    return { Put: { TableName: this.table, Item: { ...keys.callbackSecret(teamId), secret } } };
  }

  async createTeam(input: { name: string; creditsMicro: number; apiKeyHash: string; keyPrefix: string; callbackSecret?: string }): Promise<Team> {
    const team: Team = {
      teamId: newOrderedId(),
      name: input.name,
      balanceMicro: input.creditsMicro,
      reservedMicro: 0,
      chargedMicro: 0,
      creditedMicro: input.creditsMicro,
      createdAt: this.now(),
    };
    const reasons = await transactWrite(this.db, [
      { Put: { TableName: this.table, Item: teamEntity.toItem(team), ConditionExpression: "attribute_not_exists(pk)" } },
      { Put: { TableName: this.table, Item: { ...keys.teamDirectory(team.teamId), name: team.name } } },
      ...this.keyItems(team.teamId, input.apiKeyHash, input.keyPrefix),
      ...(input.creditsMicro > 0 ? [this.creditLine(team.teamId, input.creditsMicro)] : []),
      ...(input.callbackSecret ? [this.callbackSecretPut(team.teamId, input.callbackSecret)] : []),
    ]);
    if (reasons) throw new Error(`create team transaction cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
    return team;
  }

  async getTeam(teamId: string, options?: { settled?: boolean }): Promise<Team | undefined> {
    if (options?.settled) await this.booksCaughtUp();
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.team(teamId), ConsistentRead: true }));
    return Item ? teamEntity.fromItem(Item) : undefined;
  }

  /** Every team: the directory's shards (written once per team, never by money moves), then each team item. */
  async listTeams(): Promise<Team[]> {
    await this.booksCaughtUp();
    const ids: string[] = [];
    for (let shard = 0; shard < TEAM_DIRECTORY_SHARDS; shard++) {
      const items = await queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `TEAMS#${shard}` },
        ProjectionExpression: "sk",
      });
      ids.push(...items.map((item) => item.sk as string));
    }
    const teams: Team[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const { Responses } = await this.db.send(
        new BatchGetCommand({ RequestItems: { [this.table]: { Keys: ids.slice(i, i + 100).map((id) => keys.team(id)) } } }),
      );
      teams.push(...(Responses?.[this.table] ?? []).map(teamEntity.fromItem));
    }
    return teams.sort((a, b) => a.teamId.localeCompare(b.teamId));
  }

  async teamIdForKeyHash(hash: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.apiKey(hash) }));
    return Item?.team_id as string | undefined;
  }

  async addCredits(teamId: string, amountMicro: number): Promise<Team | undefined> {
    const reasons = await transactWrite(this.db, [
      {
        Update: {
          TableName: this.table,
          Key: keys.team(teamId),
          UpdateExpression: "SET balance = balance + :amount, credited = credited + :amount",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":amount": amountMicro },
        },
      },
      this.creditLine(teamId, amountMicro),
    ]);
    if (reasons && conditionFailed(reasons[0])) return undefined;
    if (reasons) throw new Error(`top-up transaction cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
    return this.getTeam(teamId);
  }

  async takeBackCredits(teamId: string, amountMicro: number): Promise<TakeBackResult> {
    const reasons = await transactWrite(this.db, [
      {
        Update: {
          TableName: this.table,
          Key: keys.team(teamId),
          UpdateExpression: "SET balance = balance - :amount, credited = credited - :amount",
          // Only the balance can give: what unfinished tasks reserved stays theirs.
          ConditionExpression: "attribute_exists(pk) AND balance >= :amount",
          ExpressionAttributeValues: { ":amount": amountMicro },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      this.creditLine(teamId, -amountMicro),
    ]);
    if (!reasons) {
      const team = await this.getTeam(teamId);
      return team ? { kind: "ok", team } : { kind: "no_team" };
    }
    if (conditionFailed(reasons[0])) {
      const balance = reasons[0]?.Item?.balance?.N;
      return balance === undefined ? { kind: "no_team" } : { kind: "short", balanceMicro: Number(balance) };
    }
    throw new Error(`take-back transaction cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
  }

  async setSuspended(teamId: string, suspended: boolean): Promise<Team | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.team(teamId),
          UpdateExpression: suspended ? "SET suspended = :yes" : "REMOVE suspended",
          ConditionExpression: "attribute_exists(pk)",
          ...(suspended ? { ExpressionAttributeValues: { ":yes": true } } : {}),
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes ? teamEntity.fromItem(Attributes) : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === "ConditionalCheckFailedException") return undefined;
      throw error;
    }
  }

  async ledger(teamId: string, query: { fromDay: string; toDay: string; limit: number }): Promise<LedgerEntry[]> {
    await this.booksCaughtUp();
    const entries: LedgerEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":pk": keys.team(teamId).pk, ":from": `LEDGER#${query.fromDay}`, ":to": `LEDGER#${query.toDay}~` },
          ExclusiveStartKey: startKey,
          Limit: query.limit - entries.length,
        }),
      );
      entries.push(...(page.Items ?? []).map(ledgerLine.fromItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey && entries.length < query.limit);
    return entries;
  }

  /** A "credit" ledger line, written with the money it records. */
  private creditLine(teamId: string, amountMicro: number) {
    const at = this.now();
    return {
      Put: {
        TableName: this.table,
        Item: ledgerLine.toItem(teamId, { at, kind: "credit", amountMicro }),
      },
    };
  }

  async addKey(teamId: string, input: { apiKeyHash: string; keyPrefix: string }): Promise<boolean> {
    const reasons = await transactWrite(this.db, [
      { ConditionCheck: { TableName: this.table, Key: keys.team(teamId), ConditionExpression: "attribute_exists(pk)" } },
      ...this.keyItems(teamId, input.apiKeyHash, input.keyPrefix),
    ]);
    if (!reasons) return true;
    if (conditionFailed(reasons[0])) return false;
    throw new Error(`add key transaction cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
  }

  async listKeys(teamId: string): Promise<{ keyPrefix: string; createdAt: string }[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :keys)",
        ExpressionAttributeValues: { ":pk": keys.team(teamId).pk, ":keys": "KEY#" },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => ({ keyPrefix: item.key_prefix as string, createdAt: item.created_at as string })).sort((a, b) =>
      a.createdAt.localeCompare(b.createdAt),
    );
  }

  async revokeKey(teamId: string, keyPrefix: string): Promise<number> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": keys.team(teamId).pk, ":prefix": `KEY#${keyPrefix}#` },
        ConsistentRead: true,
      }),
    );
    for (const item of Items) {
      await transactWrite(this.db, [
        { Delete: { TableName: this.table, Key: keys.apiKey(item.key_hash as string) } },
        { Delete: { TableName: this.table, Key: { pk: item.pk, sk: item.sk } } },
      ]);
    }
    return Items.length;
  }

  private keyItems(teamId: string, hash: string, prefix: string) {
    const createdAt = new Date(this.now()).toISOString();
    return [
      {
        Put: {
          TableName: this.table,
          Item: { ...keys.apiKey(hash), team_id: teamId, key_prefix: prefix, created_at: createdAt },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { ...keys.teamKey(teamId, prefix, hash), key_hash: hash, key_prefix: prefix, created_at: createdAt },
        },
      },
    ];
  }
}

