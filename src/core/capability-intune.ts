// Pre-check for a device managed by Microsoft Intune: can Intune reset its passcode (and lock it)
// right now, and why not? Pure: no I/O. Rules follow issue 17 section 2 and Microsoft's "Reset or
// remove a device passcode" and "Remote lock" pages (shared docs mdm-backends.md 2.2). Reasons are
// plain sentences for an IT admin, always naming what to do instead; Graph enum names stay in
// these comments. Same shape as checkCapability (capable is about the passcode reset), plus the
// facts the reset sequence needs from the back-end.
import type { ActionVerdict, Capability } from "./capability.ts";
import { relativeTime, timeText } from "./time-text.ts";
import { type MdmFacts, NO_USER_OWNER, type Platform, type RequestState } from "./types.ts";

/** The fields of a Device this check reads (a Device with backend "intune" fits). */
export interface IntuneDevice {
  id: string;
  platform: Platform;
  osVersion: string;
  /** NO_USER_OWNER's address (or empty) when Intune assigns the device to no user: a kiosk. */
  ownerEmail: string;
  /** Not read: Graph does not report whether a passcode policy applies (kept for the Device shape). */
  passcodePolicy: { enforced: boolean };
  mdm: MdmFacts | null;
  /** Set by the sync when the device is gone from Intune. */
  retiredAt: Date | null;
}

export interface IntuneCheckSettings {
  staleAfterMs: number; // Intune's last sync older than this -> warning
  expiresAt: Date; // when a request started now would expire (shown in the stale warning)
  activeRequest?: { id: string; state: RequestState } | null;
}

/** What the core must know about how this back-end acts (the device back-end port's facts). */
export interface BackendFacts {
  backend: "intune";
  /** Intune generates the new passcode and reports it; Latchkey never chooses one. */
  passcodeChosenBy: "backend";
  /** Graph has no action that cancels a resetPasscode or remoteLock it has accepted. */
  canCancel: false;
  /** resetPasscode and remoteLock are two commands, each followed to its own result. */
  steps: "reset_then_lock";
  /** remoteLock is sent (after the reset, or alone for a lost device). */
  lockPossible: boolean;
  /** Only the work-profile passcode changes; the device's screen lock stays as it was. */
  workProfileOnly: boolean;
  /** macOS: the lock sets a six-digit unlock PIN Intune generates, delivered privately like a passcode. */
  lockReturnsPin: boolean;
  /** False when the device has no user (a kiosk): the passcode goes to the requester only. */
  deliverToUser: boolean;
}

export interface IntuneCapability extends Capability {
  facts: BackendFacts;
}

interface Verdicts {
  reset: ActionVerdict;
  lock: ActionVerdict;
  scope: "device" | "work_profile";
  pin?: boolean;
}

const ok = (reason: string): ActionVerdict => ({ allowed: true, reason });
const no = (reason: string): ActionVerdict => ({ allowed: false, reason });
const both = (reason: string): Verdicts => ({ reset: no(reason), lock: no(reason), scope: "device" });

const CHOSEN = "Intune chooses the new passcode and Latchkey delivers it privately.";
const LOCK_OK = ok("Intune can lock this device remotely.");
const STILL_LOCK = "You can still lock it remotely.";
const SYNC_AGAIN = "Run latchkey sync intune to refresh its details, then try again.";
const NO_MDM = `Latchkey has no Intune details for this device yet. ${SYNC_AGAIN}`;

// deviceEnrollmentType values (beta enum; v1.0 reports userEnrollment for the legacy modes).
const DEVICE_LEVEL = new Set([
  "androidEnterpriseDedicatedDevice", // COSU
  "androidAOSPUserOwnedDeviceEnrollment",
  "androidAOSPUserlessDeviceEnrollment",
]);
const CORPORATE_PROFILE = new Set(["androidEnterpriseFullyManaged", "androidEnterpriseCorporateWorkProfile"]);
const APPLE_USER_ENROLLMENT = new Set([
  "appleUserEnrollment",
  "appleUserEnrollmentWithServiceAccount",
  "appleAccountDrivenUserEnrollment",
]);

/** "6.0.1" -> 6, "13" -> 13, anything else -> null. */
function majorVersion(osVersion: string): number | null {
  const m = /^\s*(\d+)(?:\.\d+)*\s*$/.exec(osVersion);
  return m ? Number(m[1]) : null;
}

function android(d: IntuneDevice, mdm: MdmFacts): Verdicts {
  const type = mdm.enrollmentType ?? "";
  if (DEVICE_LEVEL.has(type)) {
    return {
      reset: ok(`Intune can reset this device's passcode and lock it. ${CHOSEN}`),
      lock: LOCK_OK,
      scope: "device",
    };
  }
  if (CORPORATE_PROFILE.has(type)) {
    return {
      reset: ok(
        `Intune can reset the work-profile passcode on this company-owned device and lock it. ${CHOSEN}`,
      ),
      lock: LOCK_OK,
      scope: "work_profile",
    };
  }
  // A personally owned work profile and a device administrator both report userEnrollment: only
  // the beta deviceType (androidForWork vs android) tells them apart.
  if (mdm.deviceType === "androidForWork") {
    return {
      reset: ok(
        `Intune can reset the work-profile passcode on this personally owned device, but cannot lock it remotely. ${CHOSEN}`,
      ),
      lock: no(
        "Intune cannot lock a personally owned work-profile device remotely: Android does not allow it. " +
          "Ask the user to lock it, or if it is lost, remove the work profile (Retire) in the Intune admin center.",
      ),
      scope: "work_profile",
    };
  }
  if (mdm.deviceType === "android") {
    const major = majorVersion(d.osVersion);
    if (major === null) {
      return {
        reset: no(
          `Intune does not report a usable Android version for this device. ${SYNC_AGAIN} ${STILL_LOCK}`,
        ),
        lock: LOCK_OK,
        scope: "device",
      };
    }
    if (major <= 6) {
      return {
        reset: ok(`On Android ${major} Intune can reset this device's passcode and lock it. ${CHOSEN}`),
        lock: LOCK_OK,
        scope: "device",
      };
    }
    return {
      reset: no(
        `Google removed passcode reset for device administrator management from Android 7 on (this device runs Android ${major}). ` +
          `Enroll it with Android Enterprise (a work profile or fully managed) to reset it through Intune. ${STILL_LOCK}`,
      ),
      lock: LOCK_OK,
      scope: "device",
    };
  }
  return both(
    "Latchkey cannot tell how this Android device is enrolled in Intune, so it cannot tell which passcode " +
      `commands Intune supports on it. ${SYNC_AGAIN} If it stays unknown, reset it from the Intune admin center.`,
  );
}

function apple(mdm: MdmFacts): Verdicts {
  // Graph's resetPasscode on iOS is "Remove passcode": it clears the passcode, it does not set one.
  const start =
    "Intune cannot set a new passcode on an iPhone or iPad: its only passcode action, Remove passcode, " +
    "clears the passcode so the user chooses a new one. That is a different action and Latchkey does not start it.";
  const instead = APPLE_USER_ENROLLMENT.has(mdm.enrollmentType ?? "")
    ? "It is not available on a device enrolled with User Enrollment: the user resets the passcode themselves."
    : mdm.ownership === "company"
      ? "Use Remove passcode in the Intune admin center instead."
      : "Remove passcode is only for company-owned devices: the user resets the passcode themselves.";
  return { reset: no(`${start} ${instead} ${STILL_LOCK}`), lock: LOCK_OK, scope: "device" };
}

function platformVerdicts(d: IntuneDevice, mdm: MdmFacts): Verdicts {
  switch (d.platform) {
    case "android":
      return android(d, mdm);
    case "ios":
    case "ipados":
      return apple(mdm);
    case "macos":
      return {
        reset: no(
          "Intune cannot reset a Mac's password. Lock it instead: Intune sets a six-digit unlock PIN, " +
            "which Latchkey delivers privately like a passcode.",
        ),
        lock: ok("Intune can lock this Mac remotely with a six-digit unlock PIN that Intune chooses."),
        scope: "device",
        pin: true,
      };
    default:
      return both(
        "Intune cannot reset the passcode of a Windows device or lock it remotely. Instead, the user resets " +
          "their Windows Hello PIN from the sign-in screen; if the device is lost, retire or wipe it in the Intune admin center.",
      );
  }
}

function refusal(d: IntuneDevice, now: Date, settings: IntuneCheckSettings): string | null {
  if (d.retiredAt !== null) {
    return (
      `This device is no longer in Intune: the sync found it gone ${timeText(d.retiredAt, now)}. Nothing can be ` +
      "sent to it; its history stays in Latchkey. If it was enrolled again, it has a new Intune id: " +
      "run latchkey sync intune and choose the new entry instead."
    );
  }
  const active = settings.activeRequest;
  if (active) {
    return (
      `A reset is already in progress for this device (request ${active.id}, ${active.state}). Follow it instead ` +
      "of starting another (once Intune has accepted a command, it cannot be cancelled)."
    );
  }
  return null;
}

function warningsFor(d: IntuneDevice, now: Date, settings: IntuneCheckSettings, v: Verdicts): string[] {
  if (!v.reset.allowed && !v.lock.allowed) return [];
  const out: string[] = [];
  if (v.reset.allowed && v.scope === "work_profile") {
    out.push(
      "Work profile only: the reset changes the work-profile passcode, not the device's screen lock. " +
        "The phone itself still unlocks as before; the new passcode is needed to open the work apps.",
    );
  }
  if (v.reset.allowed && !v.lock.allowed) {
    out.push("This device cannot be locked remotely: Latchkey resets the passcode and sends no lock.");
  }
  // No warning about a passcode policy: Graph's managedDevice does not say whether one applies, so
  // it would show on every device. A reset Intune fails for that reason says so (mdm-words.ts).
  if (!hasUser(d) && (v.reset.allowed || v.pin)) {
    out.push(
      `This device has no user in Intune: the new ${v.reset.allowed ? "passcode" : "PIN"} goes to you only.`,
    );
  }
  const expiry = timeText(settings.expiresAt, now);
  const lastSync = d.mdm?.lastSyncAt ?? null;
  if (lastSync === null) {
    out.push(
      `Intune has no check-in on record for this device: the command runs at its next check-in; the request expires ${expiry}.`,
    );
  } else if (now.getTime() - lastSync.getTime() > settings.staleAfterMs) {
    out.push(
      `Last checked in with Intune ${relativeTime(lastSync, now)}: the command runs at its next check-in; the request expires ${expiry}.`,
    );
  }
  return out;
}

function hasUser(d: IntuneDevice): boolean {
  const email = d.ownerEmail.trim().toLowerCase();
  return email !== "" && email !== NO_USER_OWNER.email;
}

export function intuneCapability(
  device: IntuneDevice,
  now: Date,
  settings: IntuneCheckSettings,
): IntuneCapability {
  const refused = refusal(device, now, settings);
  const v =
    refused !== null
      ? both(refused)
      : device.mdm === null
        ? both(NO_MDM)
        : platformVerdicts(device, device.mdm);
  return {
    deviceId: device.id,
    capable: v.reset.allowed,
    reason: v.reset.reason,
    warnings: warningsFor(device, now, settings, v),
    reset: v.reset,
    lock: v.lock,
    scope: v.scope,
    facts: {
      backend: "intune",
      passcodeChosenBy: "backend",
      canCancel: false,
      steps: "reset_then_lock",
      lockPossible: v.lock.allowed,
      workProfileOnly: v.reset.allowed && v.scope === "work_profile",
      lockReturnsPin: v.lock.allowed && v.pin === true,
      deliverToUser: hasUser(device),
    },
  };
}
