// Pre-check: can Latchkey reset (and lock) this device right now, and why not?
// Pure: no I/O. Rules follow docs/domain.md "Capability rules". Reasons are plain sentences for an
// IT admin, always naming what to do instead; platform API names stay in these comments only.

import type { BackendFacts } from "./capability-intune.ts";
import { intuneCapability } from "./capability-intune.ts";
import { passcodeRulesFor } from "./passcode.ts";
import { relativeTime, timeText } from "./time-text.ts";
import type { Device, RequestState } from "./types.ts";

export interface CapabilityContext {
  now: Date;
  staleAfterMs: number; // device not seen for longer than this -> warning
  expiresAt: Date; // when a request started now would expire (shown in the stale warning)
  activeRequest: { id: string; state: RequestState } | null; // an unfinished request already on this device
}

export interface ActionVerdict {
  allowed: boolean;
  reason: string;
}

export interface Capability {
  deviceId: string;
  capable: boolean; // === reset.allowed
  reason: string; // === reset.reason
  warnings: string[]; // shown before acting; empty when nothing is allowed
  reset: ActionVerdict; // reset passcode AND lock
  lock: ActionVerdict; // lock only (an employee's lost-device report when reset is refused)
  scope: "device" | "work_profile"; // profile_owner resets only the work-profile challenge
  /** How an MDM back-end acts on this device (who chooses the passcode, lock possible, ...); absent for the agent. */
  facts?: BackendFacts;
}

interface Verdicts {
  reset: ActionVerdict;
  lock: ActionVerdict;
}

const ok = (reason: string): ActionVerdict => ({ allowed: true, reason });
const no = (reason: string): ActionVerdict => ({ allowed: false, reason });
const both = (reason: string): Verdicts => ({ reset: no(reason), lock: no(reason) });

const LOCK_OK = ok("Latchkey can lock this device remotely.");
const NOT_MDM =
  "This device is not enrolled in MDM, so Latchkey cannot send it commands. Enroll it in MDM first.";
const NOT_MANAGED =
  "This device is not managed, so Latchkey cannot send it commands. Enroll it in management first.";
const ENROLL_OWNER = "enroll the device as Device Owner or with a work profile";

/** "7.1.2" -> [7, 1], "14" -> [14, 0], anything else -> null. */
function parseVersion(osVersion: string): [number, number] | null {
  const m = /^\s*(\d+)(?:\.(\d+))?(?:\.\d+)*\s*$/.exec(osVersion);
  if (!m) return null;
  return [Number(m[1]), Number(m[2] ?? 0)];
}

/** Android major version: "7.1.2" -> 7, "14" -> 14, garbage -> null. */
export function androidMajor(osVersion: string): number | null {
  return parseVersion(osVersion)?.[0] ?? null;
}

function unparseable(device: Device): Verdicts {
  return both(
    `The OS version "${device.osVersion}" reported by this device is not a version number, so Latchkey cannot tell ` +
      "which passcode commands it supports. Let the device check in again to refresh its details, then retry.",
  );
}

// Android: one row per (modes, inclusive major-version range). First matching row wins.
type AndroidRule = [
  modes: Device["managementMode"][],
  from: number,
  to: number,
  reset: (d: Device, v: number) => ActionVerdict,
];
const ADMIN: Device["managementMode"][] = ["device_admin"];
const OWNER: Device["managementMode"][] = ["device_owner", "profile_owner"];
const STILL_LOCK = "You can still lock it remotely.";

const INF = Number.POSITIVE_INFINITY;
const ADMIN_7_10 = `Android 7+ does not let a Device Administrator change an existing passcode; ${ENROLL_OWNER}. ${STILL_LOCK}`;
const ADMIN_11 = `Android 11 and later no longer support passcode reset by a third-party Device Administrator; ${ENROLL_OWNER}. ${STILL_LOCK}`;
const NO_TOKEN =
  "The user must unlock the device once to activate passcode reset. Until then, lock it remotely instead.";
const TOKEN = "Passcode reset is activated on this device, so Latchkey can set a new passcode and lock it.";
const adminOk = (v: number) =>
  ok(`Android ${v} lets the Device Administrator set a new passcode and lock the device.`);
const ownerOk = (v: number) =>
  ok(`On Android ${v} Latchkey can set a new passcode even if one is set, then lock.`);

const ANDROID_RULES: AndroidRule[] = [
  [ADMIN, 0, 6, (_d, v) => adminOk(v)],
  [ADMIN, 7, 10, (d, v) => (d.passcodeSet ? no(ADMIN_7_10) : adminOk(v))], // works only while no passcode is set
  [ADMIN, 11, INF, () => no(ADMIN_11)],
  [OWNER, 0, 7, (_d, v) => ownerOk(v)],
  // Android 8+: resetPasswordWithToken only; the token activates after the user's first unlock.
  [OWNER, 8, INF, (d) => (d.resetTokenActive ? ok(TOKEN) : no(NO_TOKEN))],
];

function android(device: Device): Verdicts {
  if (device.managementMode === "mdm") {
    return both(
      "This Android device is managed by an MDM but not by the Latchkey Android agent, so Latchkey cannot " +
        `reset or lock it. Install the agent and ${ENROLL_OWNER}.`,
    );
  }
  const major = androidMajor(device.osVersion);
  if (major === null) return unparseable(device);
  const rule = ANDROID_RULES.find(
    ([m, from, to]) => m.includes(device.managementMode) && major >= from && major <= to,
  );
  return rule ? { reset: rule[3](device, major), lock: LOCK_OK } : both(NOT_MANAGED);
}

function windowsPhone(device: Device): Verdicts {
  const v = parseVersion(device.osVersion);
  if (v === null) return unparseable(device);
  // RemoteLock CSP LockAndResetPIN exists from Windows Phone 8.1.
  if (v[0] < 8 || (v[0] === 8 && v[1] < 1)) {
    return both(
      `Windows Phone ${device.osVersion} cannot reset its PIN remotely; Windows Phone 8.1 or later is needed. ` +
        "Update the phone or have the user reset it in person.",
    );
  }
  return { reset: ok("Latchkey can set a new PIN on this Windows phone and lock it."), lock: LOCK_OK };
}

const APPLE_RESET =
  "Apple devices have no command to set a new passcode. Instead, use Clear Passcode (needs the device's " +
  "unlock token; not available on User Enrollment or Shared iPad) so the user can choose a new one, or Lost " +
  "Mode on a supervised device; a remote lock is also possible.";

const PLATFORM_RULES: Record<
  Exclude<Device["platform"], "android" | "windows_phone">,
  (d: Device) => Verdicts
> = {
  windows_mobile: () => ({
    reset: ok("Latchkey can set a new PIN on this Windows 10 Mobile device and lock it."),
    lock: LOCK_OK,
  }),
  windows: () => ({
    reset: no(
      "Windows desktops have no remote passcode reset. Instead, give the user the BitLocker recovery key " +
        "or have them reset their Windows Hello PIN from the sign-in screen.",
    ),
    lock: no(
      "Remote lock is not supported on Windows desktops (Intune remote lock is for phones only). " +
        "If the computer is lost, retire or wipe it from your MDM instead.",
    ),
  }),
  ios: () => ({ reset: no(APPLE_RESET), lock: LOCK_OK }),
  ipados: () => ({ reset: no(APPLE_RESET), lock: LOCK_OK }),
  macos: () => ({
    reset: no(
      "Macs have no remote passcode reset. The equivalent is a remote lock with a 6-digit PIN: use lock instead.",
    ),
    lock: ok("Latchkey can lock this Mac remotely with a 6-digit PIN."),
  }),
};

function platformVerdicts(device: Device): Verdicts {
  if (device.platform === "android") return android(device);
  const v =
    device.platform === "windows_phone" ? windowsPhone(device) : PLATFORM_RULES[device.platform](device);
  // Non-Android platforms are driven through MDM; Android agent modes here mean the record is wrong.
  if (device.managementMode === "mdm") return v;
  return { reset: v.reset.allowed ? no(NOT_MDM) : v.reset, lock: no(NOT_MDM) };
}

/** Refusals that apply to every platform and to both actions. */
function crossCutting(device: Device, ctx: CapabilityContext): string | null {
  if (device.pendingAction === "wipe") {
    return "A wipe is pending on this device. Cancel the pending wipe or let it complete before resetting or locking.";
  }
  if (device.pendingAction === "retire") {
    return (
      "A retire (removal from management) is pending on this device. Cancel the pending retire or let it " +
      "complete before resetting or locking."
    );
  }
  if (ctx.activeRequest) {
    const { id, state } = ctx.activeRequest;
    return `A reset is already in progress for this device (request ${id}, ${state}). Follow or cancel it instead of starting another.`;
  }
  if (device.managementMode === "none") {
    return NOT_MANAGED;
  }
  return null;
}

function warningsFor(device: Device, ctx: CapabilityContext, v: Verdicts): string[] {
  if (!v.reset.allowed && !v.lock.allowed) return [];
  const out: string[] = [];
  if (v.reset.allowed && device.platform === "android" && device.managementMode === "profile_owner") {
    out.push(
      "Work profile only: the reset changes the work-profile passcode, not the device's screen lock. " +
        "The phone itself still unlocks as before; the new passcode is needed to open the work apps.",
    );
  }
  if (!device.passcodeSet && !device.passcodePolicy.enforced) {
    out.push(
      "No passcode is set and no passcode policy is enforced: a lock only turns the screen off, and after a " +
        "reset nothing stops the user removing the passcode. Enforce a passcode policy on this device.",
    );
  }
  // Shown at once in a form, and also kept in the "checked" event, where it reads next to that
  // event's time: each relative phrase carries its absolute UTC time too, except "Last seen …
  // ago", which stays short enough for a one-line device description.
  const expiry = timeText(ctx.expiresAt, ctx.now);
  if (device.lastSeenAt === null) {
    out.push(`Never seen: the command will run at its next check-in; the request expires ${expiry}.`);
  } else {
    const age = ctx.now.getTime() - device.lastSeenAt.getTime();
    if (age > ctx.staleAfterMs) {
      out.push(
        `Last seen ${relativeTime(device.lastSeenAt, ctx.now)}: the command will run at its next check-in; the request expires ${expiry}.`,
      );
    }
  }
  if (device.pushUnreachableAt !== null) {
    out.push(
      `The push service rejected this device's registration ${timeText(device.pushUnreachableAt, ctx.now)}: ` +
        "the command waits for the device's next check-in.",
    );
  }
  return out;
}

export function checkCapability(device: Device, ctx: CapabilityContext): Capability {
  // Each back-end decides what it can do; the rules below are the agent's.
  if (device.backend === "intune") return intuneCapability(device, ctx.now, ctx);
  const refusal = crossCutting(device, ctx);
  const v = refusal === null ? platformVerdicts(device) : both(refusal);
  const scope =
    device.platform === "android" && device.managementMode === "profile_owner" ? "work_profile" : "device";
  return {
    deviceId: device.id,
    capable: v.reset.allowed,
    reason: v.reset.reason,
    warnings: warningsFor(device, ctx, v),
    reset: v.reset,
    lock: v.lock,
    scope,
  };
}

/**
 * The reset verdict also depends on the passcode rules (a policy Latchkey cannot meet refuses the
 * reset, not the lock): the form, the lost-device report and the start of a reset all use this,
 * so what the form offers is what starting it does.
 */
export function withPasscodeRules(capability: Capability, device: Device): Capability {
  // Intune generates its own passcode: Latchkey's generation rules do not limit it.
  if (!capability.reset.allowed || device.backend === "intune") return capability;
  const rules = passcodeRulesFor(device);
  if (rules.ok) return capability;
  const reset = { allowed: false, reason: rules.reason };
  return {
    ...capability,
    reset,
    capable: false,
    reason: rules.reason,
    warnings: capability.lock.allowed ? capability.warnings : [],
  };
}
