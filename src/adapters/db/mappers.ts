// Row <-> domain conversions. The database stores enumerations as strings; values written by
// Latchkey are validated on the way in (zod at the edges), so these casts only restore types.

import type { MdmDeviceWrite } from "../../core/inventory/mdm-ports.ts";
import type { DeviceInput } from "../../core/ports.ts";
import type {
  ChatThread,
  Complexity,
  Delivery,
  Device,
  DeviceBackend,
  ManagementMode,
  MdmOwnership,
  PasscodeType,
  PendingAction,
  Person,
  Platform,
  RequestKind,
  RequestState,
  ResetRequest,
  Role,
  Surface,
} from "../../core/types.ts";
import type {
  ChatThread as DbChatThread,
  Delivery as DbDelivery,
  Device as DbDevice,
  Person as DbPerson,
  ResetRequest as DbRequest,
  Prisma,
} from "../../generated/postgresql/client.ts";

// The columns these mappers read: read-sql.ts selects exactly these, not `*` (each column read is
// a value built, each date one parsed, on a form's lookups and every device call).
export const PERSON_COLUMNS = ["email", "name", "role"] as const;
export type PersonRow = Pick<DbPerson, (typeof PERSON_COLUMNS)[number]>;

export const DEVICE_COLUMNS = [
  "id",
  "ownerEmail",
  "name",
  "platform",
  "osVersion",
  "managementMode",
  "passcodeSet",
  "policyEnforced",
  "policyType",
  "policyMinLength",
  "policyComplexity",
  "resetTokenActive",
  "lastSeenAt",
  "pendingAction",
  "pushToken",
  "pushUnreachableAt",
  "secretHash",
  "backend",
  "mdmEnrollmentType",
  "mdmDeviceType",
  "mdmOwnership",
  "mdmLastSyncAt",
  "retiredAt",
] as const;
export type DeviceRow = Pick<DbDevice, (typeof DEVICE_COLUMNS)[number]>;

export function toPerson(row: PersonRow): Person {
  return { email: row.email, name: row.name, role: row.role as Role };
}

export function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    ownerEmail: row.ownerEmail,
    name: row.name,
    platform: row.platform as Platform,
    osVersion: row.osVersion,
    managementMode: row.managementMode as ManagementMode,
    passcodeSet: row.passcodeSet,
    passcodePolicy: {
      enforced: row.policyEnforced,
      type: row.policyType as PasscodeType,
      minLength: row.policyMinLength,
      complexity: row.policyComplexity as Complexity,
    },
    resetTokenActive: row.resetTokenActive,
    lastSeenAt: row.lastSeenAt,
    pendingAction: (row.pendingAction as PendingAction | null) ?? null,
    pushToken: row.pushToken,
    pushUnreachableAt: row.pushUnreachableAt,
    enrolled: row.secretHash !== null,
    backend: row.backend as DeviceBackend,
    mdm:
      row.backend === "agent"
        ? null
        : {
            enrollmentType: row.mdmEnrollmentType,
            deviceType: row.mdmDeviceType,
            ownership: (row.mdmOwnership ?? "unknown") as MdmOwnership,
            lastSyncAt: row.mdmLastSyncAt,
          },
    retiredAt: row.retiredAt,
  };
}

/** The columns an MDM sync writes: what its MDM says of the device (never the agent's columns). */
export function mdmDeviceData(d: MdmDeviceWrite) {
  return {
    backend: d.backend,
    ownerEmail: d.ownerEmail,
    name: d.name,
    platform: d.platform,
    osVersion: d.osVersion,
    lastSeenAt: d.lastSeenAt,
    mdmEnrollmentType: d.mdm.enrollmentType,
    mdmDeviceType: d.mdm.deviceType,
    mdmOwnership: d.mdm.ownership,
    mdmLastSyncAt: d.mdm.lastSyncAt,
    retiredAt: null,
  } satisfies Partial<Prisma.DeviceUncheckedCreateInput>;
}

export function deviceData(d: DeviceInput): Omit<Prisma.DeviceUncheckedCreateInput, "id"> {
  return {
    ownerEmail: d.ownerEmail,
    name: d.name,
    platform: d.platform,
    osVersion: d.osVersion,
    managementMode: d.managementMode,
    passcodeSet: d.passcodeSet,
    policyEnforced: d.passcodePolicy.enforced,
    policyType: d.passcodePolicy.type,
    policyMinLength: d.passcodePolicy.minLength,
    policyComplexity: d.passcodePolicy.complexity,
    resetTokenActive: d.resetTokenActive,
    lastSeenAt: d.lastSeenAt,
    pendingAction: d.pendingAction,
  };
}

export function toRequest(row: DbRequest): ResetRequest {
  return {
    id: row.id,
    kind: row.kind as RequestKind,
    deviceId: row.deviceId,
    requestedBy: row.requestedBy,
    surface: row.surface as Surface,
    notifyUser: row.notifyUser,
    state: row.state as RequestState,
    pushAttempts: row.pushAttempts,
    nextPushAt: row.nextPushAt,
    expiresAt: row.expiresAt,
    outcome: row.outcome,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    hasPasscode: row.passcodeCipher !== null,
    mdmBaselines: baselinesOf(row.mdmBaselines),
  };
}

/** The stored JSON of a request's MDM baselines; anything else reads as none sent. */
function baselinesOf(text: string | null | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
  } catch {
    return {};
  }
}

export function toDelivery(row: DbDelivery): Delivery {
  return {
    id: row.id,
    requestId: row.requestId,
    recipientEmail: row.recipientEmail,
    channel: row.channel as Delivery["channel"],
    status: row.status as Delivery["status"],
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    attemptStartedAt: row.attemptStartedAt,
    lastError: row.lastError,
    sentAt: row.sentAt,
    externalRef: row.externalRef,
    redactAt: row.redactAt,
    redactedAt: row.redactedAt,
  };
}

export function toThread(row: DbChatThread): ChatThread {
  return {
    id: row.id,
    requestId: row.requestId,
    surface: row.surface as ChatThread["surface"],
    purpose: row.purpose as ChatThread["purpose"],
    conversation: row.conversation,
    messageId: row.messageId,
    shownState: row.shownState as RequestState | null,
    syncedEventId: row.syncedEventId,
    open: row.open,
  };
}
