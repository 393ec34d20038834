// A reset the device picked up but never confirmed (it failed, or the request expired, after
// "received") may have changed the phone's passcode. Erasing that passcode undelivered would
// leave a phone nobody can unlock: its owner could only wipe it. So such a request sends the
// passcode to the same people a completed one would, with words that say it may not apply, and
// keeps it until someone has it (purge.ts).
import type { Engine } from "../engine.ts";
import type { NewDelivery } from "../ports.ts";
import { type Device, NO_USER_OWNER, type RequestState, type ResetRequest } from "../types.ts";

/** Steps after which the device holds the new passcode and may have applied it. */
const PICKED_UP: readonly RequestState[] = ["received", "passcode_reset"];

/** True when ending the request now must not erase its passcode undelivered. */
export function mayHaveApplied(request: ResetRequest): boolean {
  return request.kind === "reset_and_lock" && PICKED_UP.includes(request.state);
}

/**
 * What a passcode message says beyond the passcode: the device did not confirm the lock, or (an
 * MDM's device) what the secret is: a Mac's unlock PIN, a work-profile passcode.
 */
export function passcodeCaveat(
  request: ResetRequest,
  device?: Pick<Device, "backend" | "platform"> | null,
): string | null {
  if (device && device.backend !== "agent") return mdmCaveat(request, device);
  if (request.kind !== "reset_and_lock" || ["locked", "completed"].includes(request.state)) return null;
  const why =
    request.state === "expired"
      ? "the request expired before the device reported the result"
      : "the device reported that it could not complete the reset";
  return (
    `The device picked up this reset but did not confirm it (${why}), so it may or may not have ` +
    "applied this passcode. If the device asks for a passcode, try this one; if it is refused, " +
    "the device's previous passcode still applies."
  );
}

/** The private deliveries of a request's passcode: the requester, and the device user when asked. */
export async function plannedDeliveries(engine: Engine, request: ResetRequest): Promise<NewDelivery[]> {
  const { directory } = engine.stores;
  const device = await directory.device(request.deviceId);
  const recipients = new Set([request.requestedBy]);
  // A device with no user (an Intune kiosk) has nobody to tell but the requester.
  if (request.notifyUser && device && device.ownerEmail !== NO_USER_OWNER.email)
    recipients.add(device.ownerEmail);
  const deliveries: NewDelivery[] = [];
  for (const email of recipients) {
    const person = (await directory.person(email)) ?? { email, name: email, role: "admin" as const };
    for (const sender of engine.senders) {
      // A chat DM goes out on the surface the request came from; email always.
      if (sender.surface && sender.surface !== request.surface) continue;
      if (await sender.reaches(person)) {
        deliveries.push({ id: engine.random.id("dl"), recipientEmail: email, channel: sender.channel });
      }
    }
  }
  return deliveries;
}

/** Who the passcode is going to, for an outcome line ("ada@example.com and felix@example.com"). */
export function recipientsText(deliveries: readonly Pick<NewDelivery, "recipientEmail">[]): string {
  const people = [...new Set(deliveries.map((d) => d.recipientEmail))];
  return people.length > 1 ? `${people.slice(0, -1).join(", ")} and ${people.at(-1)}` : (people[0] ?? "");
}

function mdmCaveat(request: ResetRequest, device: Pick<Device, "platform">): string | null {
  if (request.kind === "lock") {
    return device.platform === "macos"
      ? "This is the six-digit PIN that unlocks the Mac: Intune set it when it locked the Mac."
      : null;
  }
  if (["locked", "completed"].includes(request.state)) return null;
  // Sent while the request is still at "passcode_reset": a device Intune cannot lock (a personally
  // owned work profile), whose passcode goes out with the reset.
  if (request.state === "passcode_reset") {
    return "Intune set this new work-profile passcode: it opens the work apps; the phone's own screen lock is unchanged. Intune cannot lock this device remotely, so it was not locked.";
  }
  return "Intune reported this passcode set on the device but did not confirm the lock that was to follow: the passcode applies all the same.";
}
