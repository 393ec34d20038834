// Benchmark 7's Intune fleet: N managed devices as Graph's managedDevice (v1.0 field names plus the
// beta deviceType the fake serves on /beta), with the variety of a real tenant, deterministic in
// the device's index: Android Enterprise in each of its modes, a few legacy device administrators,
// iPhones, iPads, Macs, Windows PCs, a few Linux machines (Latchkey skips them), and about 8 % of
// devices with no user (dedicated and AOSP kiosks, shared iPads). Users: about one per two devices
// (50,000 at 100,000 devices), each user's devices spread over the whole fleet and its modes.
// Each device also says what the sync should make of it, so the expected counts are this file's
// own, not the sync's rules computed again.
import type { ManagedDevice } from "../../test/support/fake-graph.ts";

/** One device and what the sync should do with it. */
export interface FleetDevice {
  device: ManagedDevice;
  /** The owner Latchkey should record (the UPN, lower-case), or null for no user. */
  owner: string | null;
  /** Whether Latchkey keeps it (false: an operating system it does not handle). */
  synced: boolean;
}

/** A 32-bit integer hash (lowbias32): spreads consecutive indexes over the categories. */
function mix(n: number, salt = 0): number {
  let x = (n ^ salt) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

const FIRST = ["Ana", "Ben", "Chloé", "Dev", "Elif", "Femi", "Gao", "Hana", "Ivan", "Jo", "Kwame", "Lena"];
const LAST = ["Álvarez", "Brown", "Chen", "Dubois", "Eze", "Fischer", "García", "Haddad", "Ito", "Jensen"];

/** A managedDevice GUID-shaped id, unique per index. */
export function intuneId(i: number): string {
  const h = (n: number) => mix(i, n).toString(16).padStart(8, "0");
  const tail = i.toString(16).padStart(12, "0");
  return `${h(1)}-${h(2).slice(0, 4)}-4${h(3).slice(0, 3)}-8${h(4).slice(0, 3)}-${tail}`;
}

interface Kind {
  share: number; // per 1,000
  operatingSystem: string;
  deviceEnrollmentType: string;
  deviceType: string;
  owner: "company" | "personal";
  userless: boolean;
  models: [manufacturer: string, model: string][];
  versions: string[];
  agent?: string;
}

const ANDROID_PHONES: [string, string][] = [
  ["Google", "Pixel 8"],
  ["Google", "Pixel 7a"],
  ["samsung", "SM-S921B"],
  ["samsung", "SM-A546B"],
  ["motorola", "moto g84 5G"],
];

// Shares per 1,000 devices.
const KINDS: Kind[] = [
  {
    share: 300,
    operatingSystem: "Android",
    deviceEnrollmentType: "androidEnterpriseFullyManaged",
    deviceType: "androidEnterprise",
    owner: "company",
    userless: false,
    models: ANDROID_PHONES,
    versions: ["12", "13", "14", "15"],
  },
  {
    share: 100,
    operatingSystem: "Android",
    deviceEnrollmentType: "androidEnterpriseCorporateWorkProfile",
    deviceType: "androidEnterprise",
    owner: "company",
    userless: false,
    models: ANDROID_PHONES,
    versions: ["13", "14"],
  },
  {
    // A personally owned work profile: v1.0 says userEnrollment, beta's deviceType androidForWork.
    share: 100,
    operatingSystem: "Android",
    deviceEnrollmentType: "userEnrollment",
    deviceType: "androidForWork",
    owner: "personal",
    userless: false,
    models: ANDROID_PHONES,
    versions: ["11", "12", "13", "14"],
  },
  {
    share: 45,
    operatingSystem: "Android",
    deviceEnrollmentType: "androidEnterpriseDedicatedDevice",
    deviceType: "androidEnterprise",
    owner: "company",
    userless: true,
    models: [
      ["Zebra Technologies", "TC52"],
      ["Honeywell", "CT40"],
    ],
    versions: ["10", "11", "13"],
  },
  {
    // Legacy device administrator: userEnrollment with beta's deviceType android.
    share: 15,
    operatingSystem: "Android",
    deviceEnrollmentType: "userEnrollment",
    deviceType: "android",
    owner: "company",
    userless: false,
    models: [
      ["samsung", "SM-G930F"],
      ["motorola", "Moto G (5)"],
    ],
    versions: ["6.0.1", "7.0", "9"],
  },
  {
    share: 5,
    operatingSystem: "AOSP",
    deviceEnrollmentType: "androidAOSPUserlessDeviceEnrollment",
    deviceType: "androidnGMS",
    owner: "company",
    userless: true,
    models: [["RealWear", "Navigator 500"]],
    versions: ["11"],
  },
  {
    share: 200,
    operatingSystem: "iOS",
    deviceEnrollmentType: "appleBulkWithUser",
    deviceType: "iPhone",
    owner: "company",
    userless: false,
    models: [
      ["Apple", "iPhone 15"],
      ["Apple", "iPhone 14"],
      ["Apple", "iPhone SE (3rd generation)"],
    ],
    versions: ["17.5.1", "17.6", "18.1"],
  },
  {
    share: 30,
    operatingSystem: "iOS",
    deviceEnrollmentType: "appleUserEnrollment",
    deviceType: "iPhone",
    owner: "personal",
    userless: false,
    models: [["Apple", "iPhone 13"]],
    versions: ["17.4", "18.0"],
  },
  {
    share: 30,
    operatingSystem: "iPadOS",
    deviceEnrollmentType: "appleBulkWithUser",
    deviceType: "iPad",
    owner: "company",
    userless: false,
    models: [["Apple", "iPad (10th generation)"]],
    versions: ["17.5", "18.1"],
  },
  {
    // Shared iPads: automated enrollment without user affinity.
    share: 30,
    operatingSystem: "iPadOS",
    deviceEnrollmentType: "appleBulkWithoutUser",
    deviceType: "iPad",
    owner: "company",
    userless: true,
    models: [["Apple", "iPad (9th generation)"]],
    versions: ["17.5"],
  },
  {
    share: 50,
    operatingSystem: "macOS",
    deviceEnrollmentType: "appleBulkWithUser",
    deviceType: "macMDM",
    owner: "company",
    userless: false,
    models: [
      ["Apple", "MacBookPro18,3"],
      ["Apple", "Mac14,2"],
    ],
    versions: ["14.6.1", "15.1"],
  },
  {
    share: 85,
    operatingSystem: "Windows",
    deviceEnrollmentType: "windowsAzureADJoin",
    deviceType: "windowsRT",
    owner: "company",
    userless: false,
    models: [
      ["LENOVO", "20XW0026GE"],
      ["Dell Inc.", "Latitude 5440"],
      ["Microsoft Corporation", "Surface Laptop 5"],
    ],
    versions: ["10.0.22631.4317", "10.0.19045.5011"],
    agent: "configurationManagerClientMdm",
  },
  {
    // Intune manages Linux too; Latchkey does not: skipped, never written.
    share: 10,
    operatingSystem: "Linux",
    deviceEnrollmentType: "unknown",
    deviceType: "linux",
    owner: "company",
    userless: false,
    models: [["Dell Inc.", "XPS 13 9340"]],
    versions: ["22.04"],
  },
];
if (KINDS.reduce((n, k) => n + k.share, 0) !== 1000)
  throw new Error("intune fleet: shares must add to 1,000");

const pick = <T>(items: T[], n: number): T => items[n % items.length] as T;

function kindOf(i: number): Kind {
  let slot = mix(i, 0x5eed) % 1000;
  for (const k of KINDS) {
    if (slot < k.share) return k;
    slot -= k.share;
  }
  return KINDS[0] as Kind;
}

/** Users of a fleet of `size` devices: one per two devices, at least one. */
export const usersFor = (size: number) => Math.max(1, Math.floor(size / 2));

export function userEmail(u: number): string {
  return `user${u}@contoso.example`;
}

const BASE_SYNC = Date.parse("2026-12-01T08:00:00Z");

/** Device `i` of a fleet of `size` devices. */
export function fleetDevice(i: number, size: number): FleetDevice {
  const k = kindOf(i);
  const u = i % usersFor(size);
  const [manufacturer, model] = pick(k.models, mix(i, 7));
  const id = intuneId(i);
  const upn = k.userless ? "" : userEmail(u);
  const name = `${pick(FIRST, u)} ${pick(LAST, mix(u, 3))}`;
  const device: ManagedDevice = {
    id,
    deviceName: k.userless ? `KIOSK-${i.toString(36).toUpperCase()}` : `${name.split(" ")[0]}'s ${model}`,
    operatingSystem: k.operatingSystem,
    osVersion: pick(k.versions, mix(i, 11)),
    ownerType: k.owner,
    managedDeviceOwnerType: k.owner,
    managementAgent: k.agent ?? "mdm",
    deviceEnrollmentType: k.deviceEnrollmentType,
    deviceType: k.deviceType,
    // Spread over the last eight hours, as Intune's check-ins are; fixed so a sync sees no change.
    lastSyncDateTime: new Date(BASE_SYNC - (mix(i, 13) % (8 * 3600)) * 1000).toISOString(),
    enrolledDateTime: new Date(BASE_SYNC - (mix(i, 17) % (700 * 86400)) * 1000).toISOString(),
    userPrincipalName: upn,
    // A user's mail address is their UPN for most; some tenants' UPNs differ (the owner is the UPN).
    emailAddress: k.userless ? "" : u % 20 === 0 ? `u${u}.mail@contoso.example` : upn,
    userDisplayName: k.userless ? "" : name,
    userId: k.userless ? "00000000-0000-0000-0000-000000000000" : `u-${u}`,
    serialNumber: `SN${mix(i, 19).toString(36).toUpperCase()}`,
    model,
    manufacturer,
    imei: k.operatingSystem === "Android" ? String(350000000000000 + i) : "",
    complianceState: mix(i, 23) % 50 === 0 ? "noncompliant" : "compliant",
    isEncrypted: true,
    azureADDeviceId: intuneId(i + 0x40000000),
    deviceActionResults: [],
  };
  return { device, owner: k.userless ? null : upn, synced: k.operatingSystem !== "Linux" };
}

export interface FleetExpectation {
  /** Devices the sync writes (every kind but Linux). */
  devices: number;
  /** Devices it skips. */
  skipped: number;
  /** People it creates: each owner of a written device, and the no-user person when a kiosk is written. */
  people: number;
}

export function fleet(size: number): { devices: FleetDevice[]; expect: FleetExpectation } {
  const devices = Array.from({ length: size }, (_, i) => fleetDevice(i, size));
  const owners = new Set<string>();
  let userless = false;
  let synced = 0;
  for (const d of devices) {
    if (!d.synced) continue;
    synced++;
    if (d.owner === null) userless = true;
    else owners.add(d.owner);
  }
  return {
    devices,
    expect: { devices: synced, skipped: size - synced, people: owners.size + (userless ? 1 : 0) },
  };
}

/** What the third sync sees: about 1 % of devices changed (some given to a new user), 0.5 % gone. */
export interface FleetChurn {
  changed: { id: string; fields: Record<string, unknown> }[];
  removed: string[];
  expect: { updated: number; retired: number; people: number; unchanged: number; skipped: number };
}

export function churn(devices: FleetDevice[]): FleetChurn {
  const changed: FleetChurn["changed"] = [];
  const removed: string[] = [];
  const expect = { updated: 0, retired: 0, people: 0, unchanged: 0, skipped: 0 };
  const later = new Date(BASE_SYNC + 3600_000).toISOString();
  devices.forEach((d, i) => {
    const slot = mix(i, 0xc4a9) % 1000;
    if (slot < 10) {
      // Checked in again; every fifth also updated its OS; every tenth went to a new hire.
      const fields: Record<string, unknown> = { lastSyncDateTime: later };
      if (slot % 5 === 0) fields.osVersion = `${String(d.device.osVersion)}.1`;
      if (slot % 10 === 3 && d.owner !== null) {
        const email = `new.hire${i}@contoso.example`;
        Object.assign(fields, {
          userPrincipalName: email,
          emailAddress: email,
          userDisplayName: `New Hire ${i}`,
        });
        if (d.synced) expect.people++;
      }
      changed.push({ id: d.device.id, fields });
      if (d.synced) expect.updated++;
    } else if (slot < 15) {
      removed.push(d.device.id);
      if (d.synced) expect.retired++;
    } else if (d.synced) expect.unchanged++;
    if (!d.synced && (slot < 10 || slot >= 15)) expect.skipped++; // still listed, still not Latchkey's
  });
  return { changed, removed, expect };
}
