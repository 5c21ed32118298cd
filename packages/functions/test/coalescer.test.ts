// Group commit (src/aws/coalescer.ts): a lone request leaves at once; requests that arrive while
// the slots are busy leave together, first come first served, within what `fits` allows; each
// caller gets its own outcome.
import { describe, expect, it } from "vitest";
import { Coalescer } from "../src/aws/coalescer.ts";

function harness(maxInFlight: number, maxBatch: number) {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const coalescer = new Coalescer<number, string>({
    maxInFlight,
    fits: (batch) => batch.length < maxBatch,
    run: async (batch) => {
      batches.push([...batch]);
      await new Promise<void>((resolve) => pending.push(resolve));
      return batch.map((n) => (n < 0 ? { status: "rejected", reason: new Error(`refused ${n}`) } : { status: "fulfilled", value: `ok ${n}` }));
    },
  });
  /** Lets the oldest batch in flight finish. */
  const finishOne = async () => {
    pending.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { coalescer, batches, finishOne };
}

describe("Coalescer", () => {
  it("sends a lone request at once, gathers the ones that arrive meanwhile, and answers each with its own outcome", async () => {
    const { coalescer, batches, finishOne } = harness(1, 3);
    const first = coalescer.add(1);
    expect(batches).toEqual([[1]]); // nothing waits for a timer
    const rest = Promise.allSettled([2, -3, 4, 5, 6].map((n) => coalescer.add(n)));
    expect(batches).toHaveLength(1); // the only slot is busy: they wait
    await finishOne();
    expect(await first).toBe("ok 1");
    expect(batches).toEqual([[1], [2, -3, 4]]); // the next batch, as many as fit, in order
    await finishOne();
    expect(batches).toEqual([[1], [2, -3, 4], [5, 6]]);
    await finishOne();
    const settled = await rest;
    expect(settled.map((r) => (r.status === "fulfilled" ? r.value : String(r.reason)))).toEqual(["ok 2", "Error: refused -3", "ok 4", "ok 5", "ok 6"]);
  });

  it("keeps up to maxInFlight batches on their way", async () => {
    const { coalescer, batches, finishOne } = harness(2, 10);
    const all = [1, 2, 3, 4].map((n) => coalescer.add(n));
    expect(batches).toEqual([[1], [2]]);
    await finishOne();
    expect(batches).toEqual([[1], [2], [3, 4]]);
    await finishOne();
    await finishOne();
    expect(await Promise.all(all)).toEqual(["ok 1", "ok 2", "ok 3", "ok 4"]);
  });

  it("a batch that fails as a whole fails each of its requests, and the next batch still goes", async () => {
    let calls = 0;
    const coalescer = new Coalescer<number, number>({
      maxInFlight: 1,
      fits: () => true,
      run: async (batch) => {
        calls += 1;
        if (calls === 1) throw new Error("table unreachable");
        return batch.map((n) => ({ status: "fulfilled", value: n * 10 }));
      },
    });
    const failed = [coalescer.add(1), coalescer.add(2)];
    await expect(failed[0]).rejects.toThrow("table unreachable");
    expect(await failed[1]).toBe(20);
    expect(await coalescer.add(3)).toBe(30);
  });
});
