// One pass of every recurring duty. The scheduler runs these on its cron; start-up runs them
// once, which is how a reset interrupted by a crash picks up where it was.
import type { Engine } from "../engine.ts";
import { completeSettled, deliverPending } from "./deliver.ts";
import { expireDue } from "./expire.ts";
import { purgeDelivered } from "./purge.ts";
import { pushDue } from "./push-command.ts";

export async function sweepAll(engine: Engine): Promise<void> {
  await expireDue(engine);
  await pushDue(engine);
  await deliverPending(engine);
  await completeSettled(engine);
  await purgeDelivered(engine);
}
