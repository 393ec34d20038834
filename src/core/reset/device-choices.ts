// Use case: what the reset form shows. The devices of one person, each with what the capability
// check says now (a refused device with its reason; warnings), for an admin resetting a device
// or an employee reporting one of their own lost. Slack and Teams render the same answer.
import { authorize } from "../authorization.ts";
import { type Capability, checkCapability, withPasscodeRules } from "../capability.ts";
import type { Engine } from "../engine.ts";
import { stampText } from "../time-text.ts";
import type { Device, Person, ResetRequest, Surface } from "../types.ts";

export interface DeviceChoice {
  device: Device;
  capability: Capability;
  /** What would be done: reset and lock, lock only (a lost report the rules refuse to reset), nothing. */
  action: "reset_and_lock" | "lock" | "none";
  /** Why the device cannot be chosen (null when it can). */
  refusal: string | null;
  /** What a reset does to this device, in one sentence for the confirmation (by its back-end). */
  steps: string;
  active: ResetRequest | null;
}

export type ChoicesResult =
  | { status: "ok"; owner: Person; choices: DeviceChoice[] }
  | { status: "not_allowed"; message: string }
  | { status: "unknown_person"; message: string }
  | { status: "no_devices"; owner: Person; message: string };

export async function deviceChoices(
  engine: Engine,
  input: {
    actorEmail: string;
    ownerEmail: string;
    surface: Surface;
    purpose: "reset" | "report_lost";
    /** The actor, when the caller has already resolved them (resolveActor). */
    actor?: Person | null;
  },
): Promise<ChoicesResult> {
  const { directory } = engine.stores;
  const ownerEmail = input.ownerEmail.trim().toLowerCase();
  const decision = await authorize(engine, {
    actorEmail: input.actorEmail,
    action: input.purpose === "reset" ? "reset" : "report_lost",
    device: null,
    ownerEmail,
    surface: input.surface,
    ...(input.actor !== undefined ? { actor: input.actor } : {}),
  });
  if (!decision.allowed) return { status: "not_allowed", message: decision.message };
  const owner = await directory.person(ownerEmail);
  if (!owner) {
    return {
      status: "unknown_person",
      message: `${ownerEmail} is not in Latchkey's inventory. Import their devices first (latchkey import).`,
    };
  }
  const devices = await directory.devicesOf(owner.email);
  if (devices.length === 0) {
    return { status: "no_devices", owner, message: `${owner.name} has no devices in the inventory.` };
  }
  return { status: "ok", owner, choices: await choicesFor(engine, devices, input.purpose) };
}

/** A person's own devices as the lost-device report sees them (App Home): no one else's, nothing to authorize. */
export async function ownDevices(engine: Engine, email: string): Promise<DeviceChoice[]> {
  const devices = await engine.stores.directory.devicesOf(email.trim().toLowerCase());
  return choicesFor(engine, devices, "report_lost");
}

/** One device as the form sees it now (the confirmation step re-checks what the form showed). */
export async function choiceFor(
  engine: Engine,
  device: Device,
  purpose: "reset" | "report_lost",
): Promise<DeviceChoice> {
  const [choice] = await choicesFor(engine, [device], purpose);
  if (!choice) throw new Error("unreachable: one device in, one choice out");
  return choice;
}

/**
 * What Latchkey may do with a device right now, passcode policy included: the form, the start of a
 * reset and the CLI all ask here, so they never disagree.
 */
export function assessDevice(engine: Engine, device: Device, active: ResetRequest | null): Capability {
  if (device.retiredAt) return retired(device);
  const now = engine.clock.now();
  return withPasscodeRules(
    checkCapability(device, {
      now,
      staleAfterMs: engine.settings.staleDeviceAfterMs,
      expiresAt: new Date(now.getTime() + engine.settings.requestExpiryMs),
      activeRequest: active ? { id: active.id, state: active.state } : null,
    }),
    device,
  );
}

async function choicesFor(
  engine: Engine,
  devices: Device[],
  purpose: "reset" | "report_lost",
): Promise<DeviceChoice[]> {
  const open = await engine.stores.requests.activeForDevices(devices.map((d) => d.id));
  const choices: DeviceChoice[] = [];
  for (const device of devices) {
    const active = open.find((r) => r.deviceId === device.id) ?? null;
    const capability = assessDevice(engine, device, active);
    const lockOnly = purpose === "report_lost" && !capability.reset.allowed;
    const verdict = lockOnly ? capability.lock : capability.reset;
    // What the rules refuse says why; what they allow may still be out of Latchkey's reach yet.
    const notYet = verdict.allowed ? backendMissing(engine, device) : null;
    const action = !verdict.allowed || notYet ? "none" : lockOnly ? "lock" : "reset_and_lock";
    const refusal = verdict.allowed ? notYet : verdict.reason;
    choices.push({ device, capability, action, refusal, active, steps: resetSteps(capability) });
  }
  return choices;
}

/**
 * Null when Latchkey can reach the device's back-end (its own agent always; an MDM when its
 * settings are given); otherwise why not, and what to do instead.
 */
export function backendMissing(engine: Engine, device: Device): string | null {
  if (device.backend === "agent" || engine.backends[device.backend]) return null;
  return "This device is managed by Intune, and this Latchkey is not connected to Intune (INTUNE_TENANT_ID, INTUNE_CLIENT_ID and INTUNE_CLIENT_SECRET are not set), so it cannot send Intune's commands. Use the Intune admin center: Devices > this device > Reset passcode or Remote lock.";
}

/** What a reset does, for the confirmation: Latchkey's own passcode, or the one the MDM chooses. */
export function resetSteps(capability: Capability): string {
  const facts = capability.facts;
  if (!facts)
    return "A new random passcode that meets the device's policy is sent to the device, which then locks.";
  const which = facts.workProfileOnly ? "work-profile passcode" : "passcode";
  return facts.lockPossible
    ? `Intune chooses a new ${which} and sets it on the device, then locks the device (Latchkey sends no passcode of its own).`
    : `Intune chooses a new ${which} and sets it on the device. Intune cannot lock this device remotely, so no lock follows.`;
}

/** A device its MDM no longer lists: kept for its history, never acted on. */
function retired(device: Device): Capability {
  const mdm = device.backend === "intune" ? "Intune" : device.backend;
  const since = stampText(device.retiredAt ?? new Date(0));
  const reason = `Retired: no longer in ${mdm} (gone from its sync on ${since}). Latchkey cannot send it commands; if it is still in use, enroll it in ${mdm} again.`;
  const no = { allowed: false, reason };
  return { deviceId: device.id, capable: false, reason, warnings: [], reset: no, lock: no, scope: "device" };
}
