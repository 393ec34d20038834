// The recurring duties, declared as data. Each fire is claimed in the database by the scheduler,
// so with several Latchkey processes exactly one runs it.
import type { Engine } from "../core/engine.ts";
import { completeSettled, deliverPending } from "../core/reset/deliver.ts";
import { expireDue } from "../core/reset/expire.ts";
import { purgeDelivered } from "../core/reset/purge.ts";
import { pushDue } from "../core/reset/push-command.ts";

export interface JobSpec {
  name: string;
  /** node-cron expression, with seconds. */
  schedule: string;
  run(engine: Engine): Promise<unknown>;
}

export const JOBS: readonly JobSpec[] = [
  { name: "push-pending-commands", schedule: "*/10 * * * * *", run: (e) => pushDue(e) },
  { name: "expire-requests", schedule: "*/30 * * * * *", run: (e) => expireDue(e) },
  {
    name: "deliver-passcodes",
    schedule: "*/10 * * * * *",
    run: async (e) => {
      await deliverPending(e);
      await completeSettled(e);
    },
  },
  { name: "purge-passcodes", schedule: "0 * * * * *", run: (e) => purgeDelivered(e) },
  {
    name: "prune-job-runs",
    schedule: "0 17 * * * *",
    run: (e) => e.stores.jobs.prune(new Date(e.clock.now().getTime() - 86_400_000)),
  },
];
