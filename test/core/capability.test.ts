import { describe, expect, it } from "vitest";
import { androidMajor, type CapabilityContext, checkCapability } from "../../src/core/capability.ts";
import type { Device } from "../../src/core/types.ts";

const NOW = new Date("2025-03-10T12:00:00.000Z");
const EXPIRES = new Date("2025-03-17T12:00:00.000Z");
const DAY = 86_400_000;

function device(overrides: Partial<Device> = {}): Device {
  return {
    id: "dev_1",
    ownerEmail: "ann@example.com",
    name: "Ann's phone",
    platform: "android",
    osVersion: "14",
    managementMode: "device_owner",
    passcodeSet: true,
    passcodePolicy: { enforced: true, type: "numeric", minLength: 8, complexity: "medium" },
    resetTokenActive: true,
    lastSeenAt: new Date(NOW.getTime() - 60_000),
    pendingAction: null,
    pushToken: "tok",
    pushUnreachableAt: null,
    enrolled: true,
    backend: "agent",
    mdm: null,
    retiredAt: null,
    ...overrides,
  };
}

function ctx(overrides: Partial<CapabilityContext> = {}): CapabilityContext {
  return { now: NOW, staleAfterMs: 7 * DAY, expiresAt: EXPIRES, activeRequest: null, ...overrides };
}

interface Row {
  name: string;
  dev: Partial<Device>;
  ctx?: Partial<CapabilityContext>;
  reset: boolean;
  lock: boolean;
  /** Key words in reset.reason (and capability.reason). */
  reason?: RegExp;
  /** Key words in lock.reason. */
  lockReason?: RegExp;
  /** Key words each expected in some warning; [] asserts no warnings. */
  warnings?: RegExp[];
  scope?: "device" | "work_profile";
}

const mdm = { managementMode: "mdm" } as const;

const rows: Row[] = [
  // Rule 1: cross-cutting refusals.
  {
    name: "pending wipe",
    dev: { pendingAction: "wipe" },
    reset: false,
    lock: false,
    reason: /wipe.*cancel/is,
  },
  {
    name: "pending retire",
    dev: { pendingAction: "retire" },
    reset: false,
    lock: false,
    reason: /retire.*cancel/is,
    lockReason: /retire/i,
  },
  {
    name: "active request",
    dev: {},
    ctx: { activeRequest: { id: "rq_x", state: "pushed" } },
    reset: false,
    lock: false,
    reason: /already in progress.*rq_x, pushed.*follow or cancel/i,
    lockReason: /rq_x/,
    warnings: [],
  },
  {
    name: "android garbage version",
    dev: { osVersion: "Oreo" },
    reset: false,
    lock: false,
    reason: /version/i,
  },
  {
    name: "windows phone garbage version",
    dev: { platform: "windows_phone", osVersion: "", ...mdm },
    reset: false,
    lock: false,
    reason: /version/i,
  },
  // Rule 2: Android device admin.
  {
    name: "admin 6.0 with passcode",
    dev: { managementMode: "device_admin", osVersion: "6.0.1" },
    reset: true,
    lock: true,
  },
  {
    name: "admin 7.0 with passcode",
    dev: { managementMode: "device_admin", osVersion: "7.0" },
    reset: false,
    lock: true,
    reason:
      /Android 7\+ does not let a Device Administrator change an existing passcode.*Device Owner.*work profile/,
  },
  {
    name: "admin 7.0 without passcode",
    dev: { managementMode: "device_admin", osVersion: "7.0", passcodeSet: false },
    reset: true,
    lock: true,
    warnings: [],
  },
  {
    name: "admin 10 without passcode",
    dev: { managementMode: "device_admin", osVersion: "10", passcodeSet: false },
    reset: true,
    lock: true,
  },
  {
    name: "admin 10 with passcode",
    dev: { managementMode: "device_admin", osVersion: "10" },
    reset: false,
    lock: true,
    reason: /existing passcode/,
  },
  {
    name: "admin 11 without passcode",
    dev: { managementMode: "device_admin", osVersion: "11", passcodeSet: false },
    reset: false,
    lock: true,
    reason: /Android 11.*Device Administrator.*Device Owner/,
  },
  // Rule 3: device owner / profile owner.
  {
    name: "owner 7.1 with passcode, no token",
    dev: { osVersion: "7.1.2", resetTokenActive: false },
    reset: true,
    lock: true,
    scope: "device",
    warnings: [],
  },
  {
    name: "owner 8.0 token inactive",
    dev: { osVersion: "8.0", resetTokenActive: false },
    reset: false,
    lock: true,
    reason: /The user must unlock the device once to activate passcode reset\./,
  },
  { name: "owner 8.0 token active", dev: { osVersion: "8.0" }, reset: true, lock: true },
  {
    name: "profile owner 14 token inactive",
    dev: { managementMode: "profile_owner", resetTokenActive: false },
    reset: false,
    lock: true,
    reason: /unlock the device once/,
    scope: "work_profile",
  },
  {
    name: "profile owner 14 token active",
    dev: { managementMode: "profile_owner" },
    reset: true,
    lock: true,
    scope: "work_profile",
    warnings: [/work-profile passcode, not the device's screen lock/],
  },
  // Rule 4: Android without the agent.
  { name: "android mdm", dev: mdm, reset: false, lock: false, reason: /Android agent/ },
  { name: "android none", dev: { managementMode: "none" }, reset: false, lock: false, reason: /not managed/ },
  // Rule 5: Windows.
  {
    name: "windows phone 8.0",
    dev: { platform: "windows_phone", osVersion: "8.0", ...mdm },
    reset: false,
    lock: false,
    reason: /8\.1 or later/,
  },
  {
    name: "windows phone 8.1",
    dev: { platform: "windows_phone", osVersion: "8.1", ...mdm },
    reset: true,
    lock: true,
  },
  {
    name: "windows phone 8.10.14219",
    dev: { platform: "windows_phone", osVersion: "8.10.14219", ...mdm },
    reset: true,
    lock: true,
  },
  {
    name: "windows 10 mobile",
    dev: { platform: "windows_mobile", osVersion: "10.0.15063", ...mdm },
    reset: true,
    lock: true,
  },
  {
    name: "windows desktop",
    dev: { platform: "windows", osVersion: "10.0.22631", ...mdm },
    reset: false,
    lock: false,
    reason: /BitLocker.*Windows Hello PIN/s,
    lockReason: /not supported on Windows desktops/,
  },
  // Rule 6: iOS / iPadOS.
  {
    name: "ios mdm",
    dev: { platform: "ios", osVersion: "17.4", ...mdm },
    reset: false,
    lock: true,
    reason:
      /no command to set a new passcode.*Clear Passcode.*unlock token.*User Enrollment.*Shared iPad.*Lost Mode.*supervised/s,
  },
  {
    name: "ipados mdm",
    dev: { platform: "ipados", osVersion: "17.4", ...mdm },
    reset: false,
    lock: true,
    reason: /Clear Passcode/,
  },
  {
    name: "ios not via mdm",
    dev: { platform: "ios", osVersion: "17.4", managementMode: "device_owner" },
    reset: false,
    lock: false,
    lockReason: /not enrolled in MDM/,
  },
  // Rule 7: macOS.
  {
    name: "macos mdm",
    dev: { platform: "macos", osVersion: "14.4", ...mdm },
    reset: false,
    lock: true,
    reason: /6-digit PIN/,
    lockReason: /6-digit PIN/,
  },
  // Rule 8: unmanaged on any platform.
  {
    name: "ios unmanaged",
    dev: { platform: "ios", osVersion: "17.4", managementMode: "none" },
    reset: false,
    lock: false,
    reason: /not managed/,
    warnings: [],
  },
  // Rule 9: warnings.
  {
    name: "no passcode, no policy",
    dev: {
      managementMode: "device_admin",
      osVersion: "9",
      passcodeSet: false,
      passcodePolicy: { enforced: false, type: "numeric", minLength: 8, complexity: "none" },
    },
    reset: true,
    lock: true,
    warnings: [/only turns the screen off.*removing the passcode.*Enforce a passcode policy/s],
  },
  {
    name: "no passcode, no policy, lock only (ios)",
    dev: {
      platform: "ios",
      osVersion: "17.4",
      ...mdm,
      passcodeSet: false,
      passcodePolicy: { enforced: false, type: "numeric", minLength: 6, complexity: "none" },
    },
    reset: false,
    lock: true,
    warnings: [/screen off/],
  },
  {
    name: "stale: last seen 10 days ago",
    dev: { lastSeenAt: new Date(NOW.getTime() - 10 * DAY) },
    reset: true,
    lock: true,
    warnings: [/Last seen 10 days ago.*next check-in.*expires in 7 days \(17 Mar 12:00 UTC\)/],
  },
  {
    name: "fresh: exactly at the stale limit",
    dev: { lastSeenAt: new Date(NOW.getTime() - 7 * DAY) },
    reset: true,
    lock: true,
    warnings: [],
  },
  {
    name: "never seen",
    dev: { lastSeenAt: null },
    reset: true,
    lock: true,
    warnings: [/Never seen.*next check-in.*expires in 7 days \(17 Mar 12:00 UTC\)/],
  },
  {
    name: "push unreachable",
    dev: { pushUnreachableAt: new Date(NOW.getTime() - DAY) },
    reset: true,
    lock: true,
    warnings: [/push service rejected.*next check-in/],
  },
  {
    name: "no warnings when refused",
    dev: { pendingAction: "wipe", lastSeenAt: null, pushUnreachableAt: NOW },
    reset: false,
    lock: false,
    warnings: [],
  },
];

describe("checkCapability", () => {
  it.each(rows)("$name", (row) => {
    const dev = device(row.dev);
    const cap = checkCapability(dev, ctx(row.ctx));
    expect(cap.deviceId).toBe(dev.id);
    expect(cap.reset.allowed).toBe(row.reset);
    expect(cap.lock.allowed).toBe(row.lock);
    expect(cap.capable).toBe(cap.reset.allowed);
    expect(cap.reason).toBe(cap.reset.reason);
    expect(cap.reason.length).toBeGreaterThan(10);
    expect(cap.lock.reason.length).toBeGreaterThan(10);
    if (row.reason) expect(cap.reason).toMatch(row.reason);
    if (row.lockReason) expect(cap.lock.reason).toMatch(row.lockReason);
    if (row.scope) expect(cap.scope).toBe(row.scope);
    if (row.warnings) {
      expect(cap.warnings).toHaveLength(row.warnings.length);
      for (const w of row.warnings) expect(cap.warnings.some((x) => w.test(x))).toBe(true);
    }
  });

  it("never shows raw platform codes", () => {
    const devices = rows.map((r) => checkCapability(device(r.dev), ctx(r.ctx)));
    const text = devices.flatMap((c) => [c.reset.reason, c.lock.reason, ...c.warnings]).join("\n");
    expect(text).not.toMatch(/resetPasswordWithToken|LockAndResetPIN|CSP|DevicePolicyManager|0x[0-9a-f]+/i);
  });
});

describe("androidMajor", () => {
  it.each([
    ["7.1.2", 7],
    ["14", 14],
    ["6.0", 6],
    [" 10 ", 10],
    ["garbage", null],
    ["", null],
    ["8.x", null],
  ] as const)("%j -> %s", (input, expected) => {
    expect(androidMajor(input)).toBe(expected);
  });
});
