/**
 * The task store's contract (packages/core/src/ports.ts TaskStore), one set of cases run against
 * both implementations: the in-memory fakes the core tests use (packages/core/test/fakes.ts) and
 * the DynamoDB store on DynamoDB Local (packages/functions/src/aws/dynamo-task-store.ts). What
 * the domain relies on must hold for both: reservations and refusals, version conflicts, the
 * list's order, cursor and totals, deletion, overdue tasks, and requests that end with the task.
 */
import { createTeam as createTeamViaApi, type TaskRecord, type TaskStore, type TeamStore, type UnifiedTask } from "@solver-router/core";
import type { LocalStack } from "@solver-router/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock, FakeTaskStore, FakeTeamStore } from "../../packages/core/test/fakes.ts";
import { startStack } from "./support.ts";

interface StoreUnderTest {
  tasks: TaskStore;
  teams: TeamStore;
  /** A new team with this many micro-credits. */
  team(creditsMicro: number): Promise<string>;
}

const PAYLOAD: UnifiedTask = { type: "ImageToTextTask", fields: { image: "aGVsbG8gd29ybGQ=", proxy: "user:secret@10.0.0.1:3128" } } as UnifiedTask;
let sequence = 0;

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
const base32 = (value: number, length: number) =>
  Array.from({ length }, (_, i) => CROCKFORD[Math.floor(value / 32 ** (length - 1 - i)) % 32]).join("");

/** A pending task of `teamId` created `ageMs` ago, with the id every store takes: a ULID (time first) and the team. */
function newTask(teamId: string, priceMicro: number, ageMs = 0): TaskRecord {
  const now = Date.now() - ageMs;
  const id = `${base32(now, 10)}${base32(++sequence, 16)}-${teamId}`;
  return {
    taskId: id,
    teamId,
    type: "ImageToTextTask",
    priority: "balanced",
    status: "pending",
    step: 0,
    version: 1,
    createdAt: now,
    updatedAt: now,
    dueAt: now,
    deadlineAt: now + 240_000,
    reservedMicro: priceMicro,
    routing: { providerId: "p", reason: "test" },
    attempts: [],
  };
}

const ended = (task: TaskRecord, chargeMicro: number): TaskRecord => ({
  ...task,
  version: task.version + 1,
  status: "completed",
  completedAt: Date.now(),
  reservedMicro: 0,
  chargedMicro: chargeMicro,
  solution: { kind: "text", text: "abc" },
});

let stack: LocalStack;
const implementations: [string, () => StoreUnderTest][] = [
  [
    "in-memory fakes",
    () => {
      const teams = new FakeTeamStore(new FakeClock());
      return { tasks: new FakeTaskStore(teams), teams, team: async (creditsMicro) => teams.seed(creditsMicro).teamId };
    },
  ],
  [
    "DynamoDB (DynamoDB Local)",
    () => ({
      tasks: stack.ctx.tasks,
      teams: stack.ctx.teams,
      team: async (creditsMicro) => (await createTeamViaApi(stack.ctx, { name: `contract-${++sequence}`, credits: creditsMicro / 1e6 })).team_id,
    }),
  ],
];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe.each(implementations)("task store contract: %s", (_name, make) => {
  it("creates with a reservation, refuses what the balance cannot cover (naming what it has) and unknown teams", async () => {
    const store = make();
    const teamId = await store.team(150_000);
    const first = newTask(teamId, 100_000);
    expect(await store.tasks.create(first, PAYLOAD)).toEqual({ kind: "created", task: first });
    expect(await store.tasks.get(first.taskId)).toEqual(first);
    expect(await store.tasks.getPayload(first.taskId)).toEqual(PAYLOAD);
    expect(await store.teams.getTeam(teamId)).toMatchObject({ balanceMicro: 50_000, reservedMicro: 100_000, chargedMicro: 0 });
    expect(await store.tasks.create(newTask(teamId, 60_000), PAYLOAD)).toEqual({ kind: "insufficient_credits", needMicro: 60_000, haveMicro: 50_000 });
    expect(await store.tasks.create(newTask("01nosuchteam0000000000000x", 1), PAYLOAD)).toEqual({ kind: "no_team" });
    expect(await store.teams.getTeam(teamId)).toMatchObject({ balanceMicro: 50_000, reservedMicro: 100_000 });
  });

  it("an Idempotency-Key gives back the first task", async () => {
    const store = make();
    const teamId = await store.team(1_000_000);
    const first = { ...newTask(teamId, 100_000), idempotencyKey: "k-1" };
    await store.tasks.create(first, PAYLOAD);
    expect(await store.tasks.create({ ...newTask(teamId, 100_000), idempotencyKey: "k-1" }, PAYLOAD)).toEqual({ kind: "duplicate", task: first });
    expect(await store.teams.getTeam(teamId)).toMatchObject({ balanceMicro: 900_000, reservedMicro: 100_000 });
  });

  it("creates arriving together (two teams, one short of credits, a repeated Idempotency-Key): each answered as if alone, balances exact", async () => {
    const store = make();
    const rich = await store.team(10_000_000);
    const poor = await store.team(250_000); // two tasks of 100,000 and no more
    const richTasks = Array.from({ length: 20 }, () => newTask(rich, 100_000));
    const poorTasks = Array.from({ length: 5 }, () => newTask(poor, 100_000));
    const keyed = [newTask(rich, 100_000), newTask(rich, 100_000)].map((t) => ({ ...t, idempotencyKey: "same-key" }));
    const results = await Promise.all([...richTasks, ...poorTasks, ...keyed].map((task) => store.tasks.create(task, PAYLOAD)));
    expect(results.slice(0, 20).map((r) => r.kind)).toEqual(Array(20).fill("created"));
    const poorKinds = results.slice(20, 25).map((r) => r.kind);
    expect(poorKinds.filter((k) => k === "created")).toHaveLength(2);
    expect(poorKinds.filter((k) => k === "insufficient_credits")).toHaveLength(3);
    expect(results.slice(25).map((r) => r.kind).sort()).toEqual(["created", "duplicate"]);
    const keyedCreated = results.slice(25).find((r) => r.kind === "created")!;
    const keyedDuplicate = results.slice(25).find((r) => r.kind === "duplicate")!;
    expect("task" in keyedDuplicate && keyedDuplicate.task.taskId).toBe("task" in keyedCreated && keyedCreated.task.taskId);
    expect(await store.teams.getTeam(rich)).toMatchObject({ balanceMicro: 10_000_000 - 21 * 100_000, reservedMicro: 21 * 100_000 });
    expect(await store.teams.getTeam(poor)).toMatchObject({ balanceMicro: 50_000, reservedMicro: 200_000 });
    expect((await store.tasks.list(rich, { limit: 100, offset: 0 })).total).toBe(21);
    expect((await store.tasks.list(poor, { limit: 100, offset: 0 })).total).toBe(2);
  });

  it("a write on a stale version is a conflict and changes nothing; ending charges the reservation, releases the rest and drops the request", async () => {
    const store = make();
    const teamId = await store.team(1_000_000);
    const task = newTask(teamId, 100_000);
    await store.tasks.create(task, PAYLOAD);
    const claimed = { ...task, version: 2, step: 1 };
    expect(await store.tasks.transition(task, claimed)).toBe("ok");
    expect(await store.tasks.transition(task, { ...task, version: 2, step: 7 })).toBe("conflict");
    expect((await store.tasks.get(task.taskId))?.step).toBe(1);
    // A pricier provider: the extra reservation needs the balance.
    expect(await store.tasks.transition(claimed, { ...claimed, version: 3, reservedMicro: 2_000_000 }, { reserveMicro: 1_900_000 })).toBe("insufficient_credits");
    expect(await store.tasks.transition(claimed, ended(claimed, 80_000), { chargeMicro: 80_000, releaseMicro: 20_000 })).toBe("ok");
    // The balance is exact at once; the settled read also has the charge moved out of `reserved`.
    expect(await store.teams.getTeam(teamId)).toMatchObject({ balanceMicro: 920_000, creditedMicro: 1_000_000 });
    expect(await store.teams.getTeam(teamId, { settled: true })).toMatchObject({ balanceMicro: 920_000, reservedMicro: 0, chargedMicro: 80_000, creditedMicro: 1_000_000 });
    // The request (an image, proxy credentials) is gone with the task's end.
    expect(await store.tasks.getPayload(task.taskId)).toBeUndefined();
  });

  it("lists newest first; the cursor returns every task exactly once; totals count without reading; status filters", async () => {
    const store = make();
    const teamId = await store.team(10_000_000);
    const created: TaskRecord[] = [];
    for (let i = 0; i < 7; i++) {
      const task = newTask(teamId, 100_000);
      await store.tasks.create(task, PAYLOAD);
      created.push(task);
    }
    await store.tasks.transition(created[2]!, ended(created[2]!, 100_000), { chargeMicro: 100_000 });
    const newestFirst = created.map((t) => t.taskId).reverse();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await store.tasks.list(teamId, { limit: 3, offset: 0, ...(cursor ? { cursor } : {}) });
      expect(answer.total).toBe(7);
      seen.push(...answer.tasks.map((t) => t.taskId));
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(newestFirst);
    expect((await store.tasks.list(teamId, { limit: 2, offset: 4 })).tasks.map((t) => t.taskId)).toEqual(newestFirst.slice(4, 6));
    const completed = await store.tasks.list(teamId, { limit: 10, offset: 0, status: "completed" });
    expect({ total: completed.total, ids: completed.tasks.map((t) => t.taskId) }).toEqual({ total: 1, ids: [created[2]!.taskId] });
    expect((await store.tasks.list(teamId, { limit: 10, offset: 0, status: "pending" })).total).toBe(6);
  });

  it("deletes only finished tasks; lists overdue unfinished ones", async () => {
    const store = make();
    const teamId = await store.team(1_000_000);
    const open = { ...newTask(teamId, 100_000, 120_000), dueAt: Date.now() - 90_000 };
    const done = newTask(teamId, 100_000);
    await store.tasks.create(open, PAYLOAD);
    await store.tasks.create(done, PAYLOAD);
    const finished = ended(done, 100_000);
    await store.tasks.transition(done, finished, { chargeMicro: 100_000 });
    expect(await store.tasks.delete(open)).toBe(false);
    expect(await store.tasks.delete(finished)).toBe(true);
    expect(await store.tasks.get(done.taskId)).toBeUndefined();
    const overdue = (await store.tasks.listOverdue(Date.now() - 60_000, 1000)).filter((t) => t.teamId === teamId);
    expect(overdue.map((t) => t.taskId)).toEqual([open.taskId]);
  });
});
