// Use cases: the confirmation step of the reset wizard and of the lost-device report. The device
// chosen in the form is read and checked again now (the form may have been open a while); Slack
// and Teams render the answer, and neither reads the inventory or decides a rule itself.
import { authorize } from "../authorization.ts";
import type { Engine } from "../engine.ts";
import type { Device, Person, Surface } from "../types.ts";
import { choiceFor, type DeviceChoice } from "./device-choices.ts";

export type ConfirmStep =
  | { status: "ok"; device: Device; owner: Person; choice: DeviceChoice }
  /** The device is gone from the inventory, or no longer this person's. */
  | { status: "gone"; message: string }
  /** The rules refuse it now. */
  | { status: "refused"; message: string; device: Device }
  /** The actor may not reset this device (audited). */
  | { status: "not_allowed"; message: string };

const GONE = "This device is no longer in the inventory.";

/** An admin chose `deviceId` among `ownerEmail`'s devices: may they reset it now (audited)? */
export async function resetConfirmStep(
  engine: Engine,
  input: { actorEmail: string; deviceId: string; ownerEmail: string; surface: Surface },
): Promise<ConfirmStep> {
  const found = await engine.stores.directory.deviceWithOwner(input.deviceId);
  if (!found || found.owner.email !== input.ownerEmail.trim().toLowerCase())
    return { status: "gone", message: GONE };
  const { actorEmail, surface } = input;
  const decision = await authorize(engine, { actorEmail, action: "reset", device: found.device, surface });
  if (!decision.allowed) return { status: "not_allowed", message: decision.message };
  const choice = await choiceFor(engine, found.device, "reset");
  if (choice.refusal) return { status: "refused", message: choice.refusal, device: found.device };
  return { status: "ok", device: found.device, owner: found.owner, choice };
}

/**
 * An employee chose one of their own devices to report lost: is it theirs (someone else's is an
 * audited refusal), and what would be done (reset and lock, or lock only)?
 */
export async function lostConfirmStep(
  engine: Engine,
  input: { actorEmail: string; deviceId: string; surface: Surface; elsewhere: string },
): Promise<ConfirmStep | { status: "not_yours"; message: string }> {
  const actorEmail = input.actorEmail.trim().toLowerCase();
  const found = await engine.stores.directory.deviceWithOwner(input.deviceId);
  if (!found) return { status: "gone", message: "That device is no longer in the inventory." };
  const { device, owner } = found;
  if (device.ownerEmail !== actorEmail) {
    // Audited like every refusal: someone tried to act on a device that is not theirs.
    const decision = await authorize(engine, {
      actorEmail,
      action: "report_lost",
      device,
      surface: input.surface,
    });
    const why = decision.allowed ? input.elsewhere : decision.message;
    return { status: "not_yours", message: `You can only report your own devices. ${why}` };
  }
  const choice = await choiceFor(engine, device, "report_lost");
  if (choice.refusal || choice.action === "none") {
    return { status: "refused", message: choice.refusal ?? "", device };
  }
  return { status: "ok", device, owner, choice };
}
