// Intune's managed devices as the inventory sync reads them: the v1.0 collection, page by page as
// Graph sizes its pages, each record joined with the `deviceType` only the beta endpoint has (it
// tells a personally owned work profile, `androidForWork`, from a legacy device administrator,
// `android`: both report deviceEnrollmentType `userEnrollment`).
//
// Memory: the beta pass is read first, into a Map of managedDevice id -> deviceType. For 100,000
// devices that is 100,000 short id strings (about 10 MB with the Map's own entries); the type
// strings are interned (a handful of distinct values), and devices with no type are not kept.
// The v1.0 pass then streams: one page in memory at a time.
import type { ManagedDeviceRecord } from "../../core/inventory/mdm-ports.ts";
import type { MdmOwnership } from "../../core/types.ts";
import type { GraphClient } from "./graph-port.ts";

// v1.0 names the ownership `managedDeviceOwnerType` (`ownerType` is beta only).
const FIELDS = [
  "id",
  "deviceName",
  "operatingSystem",
  "osVersion",
  "managedDeviceOwnerType",
  "deviceEnrollmentType",
  "managementAgent",
  "lastSyncDateTime",
  "userPrincipalName",
  "emailAddress",
  "userDisplayName",
];

export const MANAGED_DEVICES_PATH = `/v1.0/deviceManagement/managedDevices?$select=${FIELDS.join(",")}`;
export const DEVICE_TYPES_PATH = "/beta/deviceManagement/managedDevices?$select=id,deviceType";

type GraphDevice = Record<string, unknown>;

const text = (v: unknown): string | null => (typeof v === "string" ? v : null);

function ownership(v: unknown): MdmOwnership {
  return v === "company" || v === "personal" ? v : "unknown";
}

/** One Graph managedDevice as the sync's record; null when it has no id. */
export function toRecord(d: GraphDevice, deviceType: string | null): ManagedDeviceRecord | null {
  const id = text(d.id);
  if (!id) return null;
  return {
    id,
    deviceName: text(d.deviceName),
    operatingSystem: text(d.operatingSystem),
    osVersion: text(d.osVersion),
    ownerType: ownership(d.managedDeviceOwnerType ?? d.ownerType),
    deviceEnrollmentType: text(d.deviceEnrollmentType),
    deviceType,
    managementAgent: text(d.managementAgent),
    lastSyncDateTime: text(d.lastSyncDateTime),
    userPrincipalName: text(d.userPrincipalName),
    emailAddress: text(d.emailAddress),
    userDisplayName: text(d.userDisplayName),
  };
}

/** Every managed device's beta deviceType, by id (devices without one are left out). */
async function deviceTypes(graph: GraphClient): Promise<Map<string, string>> {
  const types = new Map<string, string>();
  const interned = new Map<string, string>();
  for await (const page of graph.pages<GraphDevice>(DEVICE_TYPES_PATH)) {
    for (const d of page) {
      const id = text(d.id);
      const type = text(d.deviceType);
      if (!id || !type) continue;
      let shared = interned.get(type);
      if (shared === undefined) {
        shared = type;
        interned.set(type, type);
      }
      types.set(id, shared);
    }
  }
  return types;
}

export async function* managedDevicePages(graph: GraphClient): AsyncIterable<ManagedDeviceRecord[]> {
  const types = await deviceTypes(graph);
  for await (const page of graph.pages<GraphDevice>(MANAGED_DEVICES_PATH)) {
    const records: ManagedDeviceRecord[] = [];
    for (const d of page) {
      const id = text(d.id);
      const record = toRecord(d, id ? (types.get(id) ?? null) : null);
      if (record) records.push(record);
    }
    yield records;
  }
}
