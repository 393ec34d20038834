// What the MDM inventory sync needs: the MDM's device records, page by page, and a store that
// compares and writes them in batches. Named for the sync's needs; no SDK here.
import type { AuditInput, PersonInput } from "../ports.ts";
import type { Device, DeviceBackend, MdmFacts, MdmOwnership, Person, Platform } from "../types.ts";

/**
 * One Intune managedDevice as Microsoft Graph returns it (v1.0 fields; `deviceType` only from the
 * beta endpoint). Strings as Graph sends them: the sync validates and cleans them.
 */
export interface ManagedDeviceRecord {
  id: string;
  deviceName: string | null;
  /** "Android", "iOS", "iPadOS", "macOS", "Windows", ... */
  operatingSystem: string | null;
  osVersion: string | null;
  ownerType: MdmOwnership;
  deviceEnrollmentType: string | null;
  /** beta only: androidForWork (personally owned work profile), android (device administrator), iPhone, ... */
  deviceType: string | null;
  managementAgent: string | null;
  /** ISO 8601; Intune says 0001-01-01T00:00:00Z for "never". */
  lastSyncDateTime: string | null;
  userPrincipalName: string | null;
  emailAddress: string | null;
  userDisplayName: string | null;
}

/** A device as its MDM describes it: what a sync creates or updates (nothing the agent owns). */
export interface MdmDeviceWrite {
  id: string;
  backend: Exclude<DeviceBackend, "agent">;
  ownerEmail: string;
  name: string;
  platform: Platform;
  osVersion: string;
  mdm: MdmFacts;
  /** The MDM's last sync, shown where an agent device shows when it was last seen. */
  lastSeenAt: Date | null;
}

export interface MdmInventoryStore {
  /** The stored devices among `ids`, of any back-end, retired ones included. */
  devicesByIds(ids: string[]): Promise<Device[]>;
  /** The people among these (lower-case) emails. */
  peopleByEmails(emails: string[]): Promise<Person[]>;
  /**
   * One transaction: `people` created (new ones only), `added` devices created, `changed` devices
   * updated (their MDM fields only; a retired one comes back).
   */
  writeMdmPage(page: {
    people: PersonInput[];
    added: MdmDeviceWrite[];
    changed: MdmDeviceWrite[];
  }): Promise<void>;
  /** Ids of the devices of `backend` that are not retired, in id order after `afterId`, at most `limit`. */
  liveDeviceIds(backend: DeviceBackend, afterId: string | null, limit: number): Promise<string[]>;
  /**
   * Marks these devices of `backend` retired at `at` (those not retired yet), with `audit`, in one
   * transaction; returns how many it marked.
   */
  retireDevices(backend: DeviceBackend, ids: string[], at: Date, audit: AuditInput): Promise<number>;
}
