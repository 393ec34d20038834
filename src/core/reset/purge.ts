// Sweep: erase stored passcode material once the retention window after its delivery has passed.
// Requests that ended before the device picked the command up erase it at once; a passcode the
// device may have applied is erased only after someone received it (unconfirmed-reset.ts).
import type { Engine } from "../engine.ts";
import type { NewEvent } from "../ports.ts";
import { erasePasscode } from "../request-gate.ts";

export async function purgeDelivered(engine: Engine, limit = 100): Promise<number> {
  const before = new Date(engine.clock.now().getTime() - engine.settings.passcodeRetentionMs);
  const due = await engine.stores.requests.purgeable(before, limit);
  let purged = 0;
  for (const r of due) {
    const e: NewEvent = {
      type: "passcode_purged",
      actor: "latchkey",
      detail: "The stored (encrypted) passcode was erased: the retention window after delivery has passed.",
    };
    if (await erasePasscode(engine, r, e)) purged++;
  }
  return purged;
}
