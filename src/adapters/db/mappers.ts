// Row <-> domain conversions. The database stores enumerations as strings; values written by
// Latchkey are validated on the way in (zod at the edges), so these casts only restore types.

import type { DeviceInput } from "../../core/ports.ts";
import type {
  ChatThread,
  Complexity,
  Delivery,
  Device,
  ManagementMode,
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

export function toPerson(row: Pick<DbPerson, "email" | "name" | "role">): Person {
  return { email: row.email, name: row.name, role: row.role as Role };
}

/** Reads only the columns raw-sql.ts's DEVICE_COLUMNS lists. */
export function toDevice(
  row: Omit<DbDevice, "enrollmentCodeHash" | "enrollmentCodeExpiresAt" | "createdAt" | "updatedAt">,
): Device {
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
  };
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
  };
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
