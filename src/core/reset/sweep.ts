// Every recurring duty, declared once as data. The scheduler runs each on its own cron (claimed
// in the database so one process runs each fire); start-up runs them all once, which is how a
// reset interrupted by a crash picks up where it was.
import type { Engine } from "../engine.ts";
import { syncOpenThreads } from "../threads/follow-threads.ts";
import { completeSettled, deliverPending } from "./deliver.ts";
import { expireDue } from "./expire.ts";
import { purgeDelivered } from "./purge.ts";
import { pushDue } from "./push-command.ts";
import { redactDue } from "./redact.ts";

export interface Duty {
  name: string;
  /** node-cron expression, with seconds. */
  schedule: string;
  run(engine: Engine): Promise<unknown>;
  /** Also run once at start-up, before the scheduler starts. */
  atStartup: boolean;
}

const DELIVERY_PAGE = 50;

export const DUTIES: readonly Duty[] = [
  { name: "expire-requests", schedule: "*/30 * * * * *", atStartup: true, run: (e) => expireDue(e) },
  { name: "push-pending-commands", schedule: "*/10 * * * * *", atStartup: true, run: (e) => pushDue(e) },
  {
    name: "deliver-passcodes",
    schedule: "*/10 * * * * *",
    atStartup: true,
    run: async (e) => {
      // A backlog (an incident with hundreds of resets) is drained page by page, within the run's
      // slot: one page every 10 s would leave passcodes waiting minutes behind each other.
      const until = Date.now() + 8_000;
      while ((await deliverPending(e, {}, DELIVERY_PAGE)) === DELIVERY_PAGE && Date.now() < until) {}
      await completeSettled(e);
    },
  },
  { name: "purge-passcodes", schedule: "0 * * * * *", atStartup: true, run: (e) => purgeDelivered(e) },
  { name: "redact-chat-passcodes", schedule: "15 * * * * *", atStartup: true, run: (e) => redactDue(e) },
  { name: "sync-chat-threads", schedule: "*/15 * * * * *", atStartup: true, run: (e) => syncOpenThreads(e) },
  {
    name: "prune-job-runs",
    schedule: "0 17 * * * *",
    atStartup: false,
    run: (e) => e.stores.jobs.prune(new Date(e.clock.now().getTime() - 86_400_000)),
  },
];

export async function sweepAll(engine: Engine): Promise<void> {
  for (const duty of DUTIES) if (duty.atStartup) await duty.run(engine);
}

/** One process runs each fire of a duty: the one whose claim of `key` (the fire's name and time) was first. */
export function claimDutyFire(engine: Engine, key: string, owner: string): Promise<boolean> {
  return engine.stores.jobs.claim(key, key.split(":")[0] ?? key, owner);
}
