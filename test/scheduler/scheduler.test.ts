// Two Latchkey processes' schedulers on one database: each fire of a job runs exactly once.

import cron from "node-cron";
import { afterEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/core/engine.ts";
import { JOBS } from "../../src/scheduler/jobs.ts";
import { startScheduler } from "../../src/scheduler/scheduler.ts";
import { dbTargets } from "../support/databases.ts";
import { type TestEngine, testEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("scheduler on $name", (target) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("runs each fire once across two processes sharing the database", async () => {
    const db = await target.fresh();
    cleanups.push(db.drop);
    const a: TestEngine = await testEngine(db.url);
    const b: TestEngine = await testEngine(db.url);
    cleanups.push(a.close, b.close);
    // The jobs read the real clock through node-cron; the claims use each engine's clock only for timestamps.
    const runs: string[] = [];
    const job = {
      name: "count",
      schedule: "* * * * * *",
      run: async (e: Engine) => {
        runs.push(e === a.engine ? "a" : "b");
      },
    };
    const sa = startScheduler(a.engine, [job], "a");
    const sb = startScheduler(b.engine, [job], "b");
    cleanups.push(sa.stop, sb.stop);
    await new Promise((r) => setTimeout(r, 3_300));
    await sa.stop();
    await sb.stop();
    const claimed = await a.database.db.jobRun.findMany({ where: { jobName: "count" } });
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBe(claimed.length);
    expect(new Set(claimed.map((c) => c.key)).size).toBe(claimed.length);
  });

  it("declares every job with a valid cron expression and a unique name", () => {
    for (const j of JOBS) expect(cron.validate(j.schedule), j.name).toBe(true);
    expect(new Set(JOBS.map((j) => j.name)).size).toBe(JOBS.length);
  });
});
