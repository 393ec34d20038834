// The capability table for Intune devices (issue 17, section 2): one row per table line, plus the
// kiosk, retired, stale, never-synced and no-policy cases. Pure: no database, no Graph.
import { describe, expect, it } from "vitest";
import { checkCapability, withPasscodeRules } from "../../src/core/capability.ts";
import {
  type IntuneCapability,
  type IntuneCheckSettings,
  type IntuneDevice,
  intuneCapability,
} from "../../src/core/capability-intune.ts";
import { type Device, type MdmFacts, NO_USER_OWNER } from "../../src/core/types.ts";

const NOW = new Date("2025-03-10T12:00:00.000Z");
const EXPIRES = new Date("2025-03-11T12:00:00.000Z");
const DAY = 86_400_000;
/** An ISO-8601 timestamp, or the "2026-12-08 04:23Z" form. */
const ISO = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

type Overrides = Partial<Omit<IntuneDevice, "mdm">> & { mdm?: Partial<MdmFacts> | null };

function device(o: Overrides = {}): IntuneDevice {
  const { mdm, ...rest } = o;
  return {
    id: "0b1c2d3e-aaaa-bbbb-cccc-000000000001",
    platform: "android",
    osVersion: "14",
    ownerEmail: "ann@example.com",
    passcodePolicy: { enforced: true },
    retiredAt: null,
    ...rest,
    mdm:
      mdm === null
        ? null
        : {
            enrollmentType: "androidEnterpriseDedicatedDevice",
            deviceType: "androidEnterprise",
            ownership: "company",
            lastSyncAt: new Date(NOW.getTime() - 3_600_000),
            ...mdm,
          },
  };
}

const SETTINGS: IntuneCheckSettings = { staleAfterMs: 7 * DAY, expiresAt: EXPIRES, activeRequest: null };

interface Row {
  name: string;
  dev: Overrides;
  settings?: Partial<IntuneCheckSettings>;
  capable: boolean;
  lock: boolean;
  /** Key words of the reason (the passcode reset's). */
  reason: RegExp;
  /** Key words of the lock verdict. */
  lockReason?: RegExp;
  workProfileOnly?: boolean;
  /** Each expected in its own warning, in order; the list is exact. */
  warnings: RegExp[];
  pin?: boolean;
  deliverToUser?: boolean;
}

const WORK_PROFILE = /^Work profile only/;
const NO_LOCK = /^This device cannot be locked remotely/;
const aosp = (enrollmentType: string) => ({ mdm: { enrollmentType, deviceType: "androidnGMS" } });
const legacy = (deviceType: string, osVersion: string): Overrides => ({
  osVersion,
  mdm: { enrollmentType: "userEnrollment", deviceType },
});

const rows: Row[] = [
  // Android Enterprise dedicated (COSU), AOSP: device passcode reset, lock.
  {
    name: "dedicated (COSU)",
    dev: {},
    capable: true,
    lock: true,
    reason: /reset this device's passcode and lock it/,
    workProfileOnly: false,
    warnings: [],
  },
  {
    name: "AOSP user-associated",
    dev: aosp("androidAOSPUserOwnedDeviceEnrollment"),
    capable: true,
    lock: true,
    reason: /this device's passcode/,
    workProfileOnly: false,
    warnings: [],
  },
  {
    name: "AOSP userless",
    dev: aosp("androidAOSPUserlessDeviceEnrollment"),
    capable: true,
    lock: true,
    reason: /this device's passcode/,
    workProfileOnly: false,
    warnings: [],
  },
  // Fully managed (COBO), corporate-owned work profile (COPE): work-profile reset only, lock.
  {
    name: "fully managed (COBO)",
    dev: { mdm: { enrollmentType: "androidEnterpriseFullyManaged" } },
    capable: true,
    lock: true,
    reason: /work-profile passcode.*company-owned.*lock it/,
    workProfileOnly: true,
    warnings: [WORK_PROFILE],
  },
  {
    name: "corporate work profile (COPE)",
    dev: { mdm: { enrollmentType: "androidEnterpriseCorporateWorkProfile" } },
    capable: true,
    lock: true,
    reason: /work-profile passcode/,
    workProfileOnly: true,
    warnings: [WORK_PROFILE],
  },
  // The enrollment type decides the Android Enterprise modes, whatever deviceType says.
  {
    name: "COPE reporting a work-profile device type",
    dev: { mdm: { enrollmentType: "androidEnterpriseCorporateWorkProfile", deviceType: "androidForWork" } },
    capable: true,
    lock: true,
    reason: /company-owned/,
    workProfileOnly: true,
    warnings: [WORK_PROFILE],
  },
  // Personally owned work profile (BYOD): userEnrollment on v1.0, androidForWork on beta.
  {
    name: "personal work profile (BYOD)",
    dev: legacy("androidForWork", "14"),
    capable: true,
    lock: false,
    reason: /work-profile passcode.*personally owned.*cannot lock/,
    lockReason: /cannot lock a personally owned work-profile device.*Retire/,
    workProfileOnly: true,
    warnings: [WORK_PROFILE, NO_LOCK],
  },
  // Device administrator: Android 6 and earlier reset; 7+ refused with the alternative; lock yes.
  {
    name: "device admin, Android 6.0.1",
    dev: legacy("android", "6.0.1"),
    capable: true,
    lock: true,
    reason: /On Android 6 Intune can reset this device's passcode/,
    workProfileOnly: false,
    warnings: [],
  },
  {
    name: "device admin, Android 5",
    dev: legacy("android", "5.1"),
    capable: true,
    lock: true,
    reason: /Android 5/,
    warnings: [],
  },
  {
    name: "device admin, Android 7",
    dev: legacy("android", "7.0"),
    capable: false,
    lock: true,
    reason: /Google removed.*Android 7.*Enroll it with Android Enterprise.*still lock it/,
    lockReason: /can lock/,
    warnings: [],
  },
  {
    name: "device admin, Android 14",
    dev: legacy("android", "14"),
    capable: false,
    lock: true,
    reason: /runs Android 14.*Android Enterprise/,
    warnings: [],
  },
  {
    name: "device admin, no version",
    dev: legacy("android", "Oreo"),
    capable: false,
    lock: true,
    reason: /usable Android version.*sync intune/,
    warnings: [],
  },
  // Android with nothing to tell the mode by: refused, never guessed.
  {
    name: "android, mode unknown",
    dev: { mdm: { enrollmentType: "userEnrollment", deviceType: null } },
    capable: false,
    lock: false,
    reason: /cannot tell how this Android device is enrolled.*sync intune.*Intune admin center/,
    warnings: [],
  },
  // iOS / iPadOS: Remove passcode only, a different action: refused as a reset, lock yes.
  {
    name: "iPhone, company-owned",
    dev: {
      platform: "ios",
      osVersion: "18.2",
      mdm: { enrollmentType: "appleBulkWithUser", deviceType: "iPhone" },
    },
    capable: false,
    lock: true,
    reason:
      /cannot set a new passcode.*Remove passcode.*different action.*Use Remove passcode in the Intune admin center.*still lock it/,
    lockReason: /can lock/,
    warnings: [],
  },
  {
    name: "iPad, personal",
    dev: {
      platform: "ipados",
      osVersion: "17.5",
      mdm: { enrollmentType: "userEnrollment", deviceType: "iPad", ownership: "personal" },
    },
    capable: false,
    lock: true,
    reason: /Remove passcode is only for company-owned devices.*user resets/,
    warnings: [],
  },
  {
    name: "iPhone, User Enrollment",
    dev: {
      platform: "ios",
      osVersion: "18.2",
      mdm: {
        enrollmentType: "appleAccountDrivenUserEnrollment",
        deviceType: "iPhone",
        ownership: "personal",
      },
    },
    capable: false,
    lock: true,
    reason: /not available on a device enrolled with User Enrollment/,
    warnings: [],
  },
  // macOS: refused; lock with a six-digit unlock PIN Intune generates.
  {
    name: "Mac",
    dev: {
      platform: "macos",
      osVersion: "15.1",
      mdm: { enrollmentType: "appleBulkWithUser", deviceType: "macMDM" },
    },
    capable: false,
    lock: true,
    reason: /cannot reset a Mac's password.*six-digit unlock PIN.*privately/,
    lockReason: /six-digit unlock PIN/,
    warnings: [],
    pin: true,
  },
  // Windows: refused both.
  {
    name: "Windows",
    dev: {
      platform: "windows",
      osVersion: "10.0.26100.2605",
      mdm: { enrollmentType: "windowsAzureADJoin", deviceType: "windowsRT" },
    },
    capable: false,
    lock: false,
    reason: /Windows device.*Windows Hello PIN.*retire or wipe/,
    warnings: [],
  },
  {
    name: "Windows 10 Mobile",
    dev: {
      platform: "windows_mobile",
      osVersion: "10.0.15254",
      mdm: { enrollmentType: "windowsAutoEnrollment", deviceType: "windowsPhone" },
    },
    capable: false,
    lock: false,
    reason: /Windows device/,
    warnings: [],
  },
  // A device with no user (a kiosk): as its type says; the passcode goes to the requester only.
  {
    name: "kiosk, dedicated",
    dev: { ownerEmail: NO_USER_OWNER.email },
    capable: true,
    lock: true,
    reason: /this device's passcode/,
    warnings: [/no user in Intune: the new passcode goes to you only/],
    deliverToUser: false,
  },
  {
    name: "kiosk, AOSP userless, empty owner",
    dev: { ownerEmail: "", ...aosp("androidAOSPUserlessDeviceEnrollment") },
    capable: true,
    lock: true,
    reason: /this device's passcode/,
    warnings: [/goes to you only/],
    deliverToUser: false,
  },
  {
    name: "kiosk, BYOD-typed",
    dev: { ownerEmail: "No-User@Intune.invalid", ...legacy("androidForWork", "13") },
    capable: true,
    lock: false,
    reason: /work-profile/,
    workProfileOnly: true,
    warnings: [WORK_PROFILE, NO_LOCK, /passcode goes to you only/],
    deliverToUser: false,
  },
  {
    name: "kiosk Mac",
    dev: {
      ownerEmail: NO_USER_OWNER.email,
      platform: "macos",
      osVersion: "14",
      mdm: { deviceType: "macMDM", enrollmentType: "appleBulkWithoutUser" },
    },
    capable: false,
    lock: true,
    reason: /Mac/,
    warnings: [/the new PIN goes to you only/],
    pin: true,
    deliverToUser: false,
  },
  {
    name: "kiosk Windows",
    dev: {
      ownerEmail: "",
      platform: "windows",
      osVersion: "10.0",
      mdm: { enrollmentType: "windowsBulkUserless" },
    },
    capable: false,
    lock: false,
    reason: /Windows/,
    warnings: [],
    deliverToUser: false,
  },
  // A retired device: gone from Intune.
  {
    name: "retired",
    dev: { retiredAt: new Date("2025-03-08T06:30:00.000Z") },
    capable: false,
    lock: false,
    reason:
      /no longer in Intune: the sync found it gone 2 days ago \(08 Mar 06:30 UTC\)\. Nothing.*history stays.*sync intune/,
    lockReason: /no longer in Intune/,
    warnings: [],
  },
  {
    name: "no Intune details",
    dev: { mdm: null },
    capable: false,
    lock: false,
    reason: /no Intune details.*sync intune/,
    warnings: [],
  },
  {
    name: "a request already in progress",
    dev: {},
    settings: { activeRequest: { id: "rq_9", state: "pushed" } },
    capable: false,
    lock: false,
    reason: /already in progress.*rq_9, pushed.*cannot be cancelled/,
    warnings: [],
  },
  // A stale or missing last sync: the command runs at the next check-in, with the expiry.
  {
    name: "stale last sync",
    dev: { mdm: { lastSyncAt: new Date(NOW.getTime() - 9 * DAY) } },
    capable: true,
    lock: true,
    reason: /this device's passcode/,
    warnings: [
      /^Last checked in with Intune 9 days ago: the command runs at its next check-in; the request expires in 24 hours \(11 Mar 12:00 UTC\)\.$/,
    ],
  },
  {
    name: "stale, lock only (Android 7 device admin)",
    dev: {
      ...legacy("android", "8.1"),
      mdm: {
        enrollmentType: "userEnrollment",
        deviceType: "android",
        lastSyncAt: new Date(NOW.getTime() - 30 * DAY),
      },
    },
    capable: false,
    lock: true,
    reason: /Google removed/,
    warnings: [/30 days ago.*next check-in/],
  },
  {
    name: "never checked in",
    dev: { mdm: { lastSyncAt: null } },
    capable: true,
    lock: true,
    reason: /passcode/,
    warnings: [/no check-in on record.*next check-in.*expires in 24 hours/],
  },
  {
    name: "stale, nothing allowed: no warnings",
    dev: { platform: "windows", osVersion: "10.0", mdm: { lastSyncAt: new Date(NOW.getTime() - 90 * DAY) } },
    capable: false,
    lock: false,
    reason: /Windows/,
    warnings: [],
  },
  // Graph does not say whether a passcode policy applies (the sync stores none): no warning on
  // every device; a reset Intune fails for want of one says so (test/core/intune-reset-faults).
  {
    name: "no passcode policy known",
    dev: { passcodePolicy: { enforced: false } },
    capable: true,
    lock: true,
    reason: /passcode/,
    warnings: [],
  },
  {
    name: "no passcode policy known, BYOD",
    dev: { passcodePolicy: { enforced: false }, ...legacy("androidForWork", "12") },
    capable: true,
    lock: false,
    reason: /work-profile/,
    warnings: [WORK_PROFILE, NO_LOCK],
  },
  {
    name: "no passcode policy, iPhone (no reset: no policy warning)",
    dev: {
      passcodePolicy: { enforced: false },
      platform: "ios",
      osVersion: "18",
      mdm: { deviceType: "iPhone", enrollmentType: "appleBulkWithUser" },
    },
    capable: false,
    lock: true,
    reason: /Remove passcode/,
    warnings: [],
  },
];

function check(row: Row): IntuneCapability {
  return intuneCapability(device(row.dev), NOW, { ...SETTINGS, ...row.settings });
}

describe("intuneCapability: the issue 17 table", () => {
  it.each(rows)("$name", (row) => {
    const c = check(row);
    expect(c.deviceId).toBe("0b1c2d3e-aaaa-bbbb-cccc-000000000001");
    expect(c.capable).toBe(row.capable);
    expect(c.reset.allowed).toBe(row.capable);
    expect(c.reason).toBe(c.reset.reason);
    expect(c.reason).toMatch(row.reason);
    expect(c.lock.allowed).toBe(row.lock);
    if (row.lockReason) expect(c.lock.reason).toMatch(row.lockReason);
    expect(c.warnings).toHaveLength(row.warnings.length);
    for (const [i, w] of row.warnings.entries()) expect(c.warnings[i]).toMatch(w);

    expect(c.facts.lockPossible).toBe(row.lock);
    if (row.workProfileOnly !== undefined) expect(c.facts.workProfileOnly).toBe(row.workProfileOnly);
    expect(c.scope === "work_profile" && c.capable).toBe(c.facts.workProfileOnly);
    expect(c.facts.lockReturnsPin).toBe(row.pin ?? false);
    expect(c.facts.deliverToUser).toBe(row.deliverToUser ?? true);
    // The same for every Intune device: Intune chooses the passcode, and nothing it accepted is cancelled.
    expect(c.facts).toMatchObject({
      backend: "intune",
      passcodeChosenBy: "backend",
      canCancel: false,
      steps: "reset_then_lock",
    });
  });

  it("every refused action names what to do instead", () => {
    for (const row of rows) {
      const c = check(row);
      for (const verdict of [c.reset, c.lock].filter((v) => !v.allowed)) {
        expect(verdict.reason, row.name).toMatch(
          /instead|run latchkey sync intune|still lock|Enroll it|Follow it|user resets|Ask the user/i,
        );
      }
    }
  });

  it("no reason or warning shows an ISO timestamp or a Graph enum name", () => {
    const enums =
      /androidEnterprise|androidForWork|userEnrollment|deviceEnrollmentType|deviceType|resetPasscode|remoteLock|macMDM/;
    for (const row of rows) {
      const c = check(row);
      for (const text of [c.reason, c.lock.reason, ...c.warnings]) {
        expect(text, row.name).not.toMatch(ISO);
        expect(text, row.name).not.toMatch(enums);
      }
    }
  });
});

describe("checkCapability dispatches on the device's back-end", () => {
  const base: Device = {
    id: "0b1c2d3e-aaaa-bbbb-cccc-000000000002",
    ownerEmail: "ann@example.com",
    name: "Ann's work phone",
    platform: "android",
    osVersion: "14",
    managementMode: "mdm",
    passcodeSet: true,
    // A policy Latchkey's own generator could not meet: irrelevant when Intune generates the passcode.
    passcodePolicy: { enforced: true, type: "alphanumeric", minLength: 20, complexity: "high" },
    resetTokenActive: false,
    lastSeenAt: null,
    pendingAction: null,
    pushToken: null,
    pushUnreachableAt: null,
    enrolled: false,
    backend: "intune",
    mdm: {
      enrollmentType: "userEnrollment",
      deviceType: "androidForWork",
      ownership: "personal",
      lastSyncAt: new Date(NOW.getTime() - 60_000),
    },
    retiredAt: null,
  };
  const ctx = { now: NOW, staleAfterMs: 7 * DAY, expiresAt: EXPIRES, activeRequest: null };

  it("an Intune device is decided by the Intune table, not the agent's rules", () => {
    // The agent's rules refuse this record (an Android device in mdm mode has no agent to act).
    const agent = withPasscodeRules(checkCapability({ ...base, backend: "agent", mdm: null }, ctx), base);
    expect(agent.capable).toBe(false);
    const intune = withPasscodeRules(checkCapability(base, ctx), base);
    expect(intune.capable).toBe(true);
    expect(intune.lock.allowed).toBe(false);
    expect(intune.scope).toBe("work_profile");
    expect(intune.warnings).toEqual([expect.stringMatching(WORK_PROFILE), expect.stringMatching(NO_LOCK)]);
    expect(intune).toMatchObject({ facts: { passcodeChosenBy: "backend", canCancel: false } });
  });

  it("a request in progress and a retired device refuse an Intune device as well", () => {
    const busy = checkCapability(base, { ...ctx, activeRequest: { id: "rq_1", state: "passcode_reset" } });
    expect(busy.reason).toMatch(/already in progress.*rq_1/);
    const gone = checkCapability({ ...base, retiredAt: new Date(NOW.getTime() - DAY) }, ctx);
    expect([gone.capable, gone.lock.allowed, gone.reason]).toEqual([
      false,
      false,
      expect.stringMatching(/no longer in Intune/),
    ]);
  });
});
