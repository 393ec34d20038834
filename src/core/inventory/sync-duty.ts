// The MDM sync as a scheduler duty that runs every `everyMs` (INTUNE_SYNC_EVERY) on one replica at
// a time. A cron expression cannot say "every 45 minutes" or "every 5 hours" from any start, so the
// duty fires each minute and runs only for the first fire of each `everyMs` window of wall-clock
// time: the window's number is claimed in the database (JobClaims, a unique key), so of all the
// replicas exactly one runs each window, and the others return at once.
import type { Engine } from "../engine.ts";
import type { Duty } from "../reset/sweep.ts";

export const MIN_SYNC_EVERY_MS = 60_000;

export function windowedDuty(opts: {
  name: string;
  everyMs: number;
  /** Who claims (the process), for the claim row. */
  owner: string;
  run(engine: Engine): Promise<unknown>;
}): Duty {
  const every = Math.max(MIN_SYNC_EVERY_MS, opts.everyMs);
  return {
    name: opts.name,
    schedule: "0 * * * * *",
    atStartup: false,
    async run(engine) {
      const window = Math.floor(engine.clock.now().getTime() / every);
      const key = `${opts.name}:window:${every}:${window}`;
      if (!(await engine.stores.jobs.claim(key, opts.name, opts.owner))) return false;
      await opts.run(engine);
      return true;
    },
  };
}
