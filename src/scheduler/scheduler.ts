// Runs the jobs on node-cron. node-cron's own run coordinator asks us whether this process may
// run a given fire; the answer is a unique-key insert in the database (see job-claims.ts).
import cron, { type ScheduledTask } from "node-cron";
import { type Engine, errorText } from "../core/engine.ts";
import { claimDutyFire } from "../core/reset/sweep.ts";
import type { JobSpec } from "./jobs.ts";

export interface Scheduler {
  stop(): Promise<void>;
  /** Runs one job now, through the same claim (tests, and `latchkey` operators). */
  runNow(name: string): Promise<boolean>;
}

/** Told after each run this process claimed (metrics). */
export type JobRunObserver = (job: string, outcome: "ok" | "failed", seconds: number) => void;

export function startScheduler(
  engine: Engine,
  jobs: readonly JobSpec[],
  owner: string,
  onRun: JobRunObserver = () => {},
): Scheduler {
  const tasks: ScheduledTask[] = [];
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const coordinator = {
    shouldRun: async (key: string) => {
      try {
        return await claimDutyFire(engine, key, owner);
      } catch (err) {
        engine.log.warn({ key, err: errorText(err) }, "could not claim job run");
        return false;
      }
    },
  };
  const run = async (job: JobSpec) => {
    const started = performance.now();
    try {
      await job.run(engine);
      onRun(job.name, "ok", (performance.now() - started) / 1000);
    } catch (err) {
      onRun(job.name, "failed", (performance.now() - started) / 1000);
      engine.log.error({ job: job.name, err: errorText(err) }, "job failed");
    }
  };
  for (const job of jobs) {
    const task = cron.schedule(job.schedule, () => run(job), {
      name: job.name,
      noOverlap: true,
      distributed: true,
      runCoordinator: coordinator,
      suppressMissedWarning: true,
    });
    tasks.push(task);
  }
  return {
    async stop() {
      for (const t of tasks) await t.destroy();
    },
    async runNow(name) {
      const job = byName.get(name);
      if (!job) return false;
      if (!(await coordinator.shouldRun(`${name}:manual:${engine.random.id("run")}`))) return false;
      await run(job);
      return true;
    },
  };
}
