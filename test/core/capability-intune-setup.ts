// Set-up shared by the Intune capability tests (capability-intune*.test.ts, capability-intune-rows.ts):
// the clock and expiry they judge at, an Intune device record with any field overridden, the shape
// of a table row and the check that runs one.
import {
  type IntuneCapability,
  type IntuneCheckSettings,
  type IntuneDevice,
  intuneCapability,
} from "../../src/core/capability-intune.ts";
import type { MdmFacts } from "../../src/core/types.ts";

export const NOW = new Date("2025-03-10T12:00:00.000Z");
export const EXPIRES = new Date("2025-03-11T12:00:00.000Z");
export const DAY = 86_400_000;
/** An ISO-8601 timestamp, or the "2026-12-08 04:23Z" form. */
export const ISO = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

export type Overrides = Partial<Omit<IntuneDevice, "mdm">> & { mdm?: Partial<MdmFacts> | null };

export function device(o: Overrides = {}): IntuneDevice {
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

export const SETTINGS: IntuneCheckSettings = {
  staleAfterMs: 7 * DAY,
  expiresAt: EXPIRES,
  activeRequest: null,
};

export interface Row {
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

export const WORK_PROFILE = /^Work profile only/;
export const NO_LOCK = /^This device cannot be locked remotely/;
export const aosp = (enrollmentType: string) => ({ mdm: { enrollmentType, deviceType: "androidnGMS" } });
export const legacy = (deviceType: string, osVersion: string): Overrides => ({
  osVersion,
  mdm: { enrollmentType: "userEnrollment", deviceType },
});

export function check(row: Row): IntuneCapability {
  return intuneCapability(device(row.dev), NOW, { ...SETTINGS, ...row.settings });
}
