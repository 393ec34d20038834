// The scheduler's Intune sync duty: it fires every minute on every replica, and the sync runs once
// per INTUNE_SYNC_EVERY window of wall-clock time, on one replica only (the window is claimed in
// the shared database). Two engines on one real database, their clocks moved by the test.
import cron from "node-cron";
import { afterEach, describe, expect, it } from "vitest";
import { windowedDuty } from "../../src/core/inventory/sync-duty.ts";
import { dbTargets } from "../support/databases.ts";
import { testEngine } from "../support/test-engine.ts";

const targets = await dbTargets();
const HOUR = 3_600_000;

describe.each(targets)("the Intune sync duty on $name", (target) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("runs the sync once per window across two replicas, and again in the next window", async () => {
    const db = await target.fresh();
    cleanups.push(db.drop);
    const a = await testEngine(db.url);
    const b = await testEngine(db.url);
    cleanups.push(a.close, b.close);
    const runs: string[] = [];
    const duty = (owner: string) =>
      windowedDuty({
        name: "sync-intune",
        everyMs: HOUR,
        owner,
        run: async () => {
          runs.push(owner);
        },
      });
    const onA = duty("a");
    const onB = duty("b");
    expect(cron.validate(onA.schedule)).toBe(true);
    expect(onA.atStartup).toBe(false);

    // Both replicas fire at the same minute: one runs the sync.
    expect(await Promise.all([onA.run(a.engine), onB.run(b.engine)])).toEqual(
      expect.arrayContaining([true, false]),
    );
    expect(runs).toHaveLength(1);
    // Later in the same hour: neither runs it again.
    for (const t of [a, b]) t.clock.advance(20 * 60_000);
    expect([await onA.run(a.engine), await onB.run(b.engine)]).toEqual([false, false]);
    expect(runs).toHaveLength(1);
    // The next hour: once more.
    for (const t of [a, b]) t.clock.advance(HOUR);
    await onB.run(b.engine);
    await onA.run(a.engine);
    expect(runs).toEqual([runs[0], "b"]);
  });
});
