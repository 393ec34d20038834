// The limiter that keeps post-ack work from starving later acknowledgements.
import { describe, expect, it } from "vitest";
import { createWorkLimiter } from "../../src/adapters/work-limiter.ts";

const gate = () => {
  let open = () => {};
  const opened = new Promise<void>((ok) => {
    open = ok;
  });
  return { open, opened };
};

describe("work limiter", () => {
  it("runs at most `concurrency` jobs at once, in arrival order, and reports its load", async () => {
    const limiter = createWorkLimiter({ concurrency: 2, maxQueue: 10 });
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const done = gates.map((g, i) =>
      limiter.tryRun(async () => {
        started.push(i);
        await g.opened;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.load).toBe(4);
    gates[1]?.open();
    await done[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    await Promise.all(done);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(limiter.load).toBe(0);
  });

  it("refuses a job, without running it, once every slot and queue place is taken", async () => {
    const limiter = createWorkLimiter({ concurrency: 1, maxQueue: 1 });
    const g = gate();
    let ran = 0;
    const job = async () => {
      ran++;
      await g.opened;
    };
    const first = limiter.tryRun(job);
    const second = limiter.tryRun(job);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(limiter.tryRun(job)).toBeNull();
    g.open();
    await Promise.all([first, second]);
    expect(ran).toBe(2);
    expect(limiter.tryRun(job)).not.toBeNull();
  });

  it("tells a job how long it waited, and a failing job frees its slot and rejects to its caller", async () => {
    const limiter = createWorkLimiter({ concurrency: 1, maxQueue: 5 });
    const failing = limiter.tryRun(async () => {
      await new Promise((r) => setTimeout(r, 60));
      throw new Error("boom");
    });
    let waited = -1;
    const next = limiter.tryRun(async (ms) => {
      waited = ms;
    });
    await expect(failing).rejects.toThrow("boom");
    await next;
    expect(waited).toBeGreaterThanOrEqual(50);
    expect(limiter.load).toBe(0);
  });
});
