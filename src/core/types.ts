// The domain vocabulary shared by the core and every adapter. Plain data only.

export const PLATFORMS = [
  "android",
  "ios",
  "ipados",
  "macos",
  "windows_phone",
  "windows_mobile",
  "windows",
] as const;
export type Platform = (typeof PLATFORMS)[number];

export const MANAGEMENT_MODES = ["device_admin", "device_owner", "profile_owner", "mdm", "none"] as const;
export type ManagementMode = (typeof MANAGEMENT_MODES)[number];

export const PENDING_ACTIONS = ["wipe", "retire"] as const;
export type PendingAction = (typeof PENDING_ACTIONS)[number];

export const PASSCODE_TYPES = ["numeric", "alphanumeric"] as const;
export type PasscodeType = (typeof PASSCODE_TYPES)[number];

export const COMPLEXITIES = ["none", "low", "medium", "high"] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

export interface PasscodePolicy {
  enforced: boolean;
  type: PasscodeType;
  minLength: number;
  complexity: Complexity;
}

export type Role = "admin" | "employee";

export interface Person {
  email: string;
  name: string;
  role: Role;
}

/** Who acts on a device: Latchkey's own agent (device API and push) or Microsoft Intune (Graph). */
export const DEVICE_BACKENDS = ["agent", "intune"] as const;
export type DeviceBackend = (typeof DEVICE_BACKENDS)[number];
/** How the timeline and the forms name a back-end. */
export const BACKEND_NAMES: Record<DeviceBackend, string> = {
  agent: "Latchkey's device agent",
  intune: "Intune",
};

export type MdmOwnership = "company" | "personal" | "unknown";

/** What an MDM reports about a device it manages (read at each inventory sync). */
export interface MdmFacts {
  /** Intune's deviceEnrollmentType (beta values tell the Android Enterprise modes apart). */
  enrollmentType: string | null;
  /** Intune's beta deviceType: androidForWork, android, iPhone, ...; null when not reported. */
  deviceType: string | null;
  ownership: MdmOwnership;
  /** The device's last check-in with the MDM. */
  lastSyncAt: Date | null;
}

/**
 * The owner of a device its MDM assigns to no user (a kiosk, a shared device): one reserved person,
 * so every device keeps an owner. The address is under `.invalid` (RFC 2606), which no mail system
 * delivers to and no chat sign-in can match: a passcode for such a device goes to the requester only.
 */
export const NO_USER_OWNER = {
  email: "no-user@intune.invalid",
  name: "No user (shared devices in Intune)",
} as const;

export interface Device {
  id: string;
  ownerEmail: string;
  name: string;
  platform: Platform;
  osVersion: string;
  managementMode: ManagementMode;
  passcodeSet: boolean;
  passcodePolicy: PasscodePolicy;
  /** Android 8+ owner modes: a reset token is provisioned and active. */
  resetTokenActive: boolean;
  lastSeenAt: Date | null;
  pendingAction: PendingAction | null;
  pushToken: string | null;
  /** Set when the push service said the token is dead; cleared when the device registers again. */
  pushUnreachableAt: Date | null;
  /** The device agent has enrolled (holds a device secret). */
  enrolled: boolean;
  backend: DeviceBackend;
  /** What the MDM reports; null for an `agent` device. */
  mdm: MdmFacts | null;
  /** Gone from its MDM (a sync no longer listed it): kept with its history, never reset. */
  retiredAt: Date | null;
}

/** Where an action came from; recorded on every request and audit row. */
export const SURFACES = ["cli", "slack", "teams", "device", "system", "web"] as const;
export type Surface = (typeof SURFACES)[number];

export type RequestKind = "reset_and_lock" | "lock";

export const ACTIVE_STATES = [
  "requested",
  /** Two-person rule (REQUIRE_APPROVAL): a second admin must approve before the check and the push. */
  "awaiting_approval",
  "checked",
  "passcode_generated",
  "pushed",
  "received",
  "passcode_reset",
  "locked",
] as const;
export const FINAL_STATES = ["completed", "refused", "failed", "expired", "cancelled", "rejected"] as const;
export type ActiveState = (typeof ACTIVE_STATES)[number];
export type FinalState = (typeof FINAL_STATES)[number];
export type RequestState = ActiveState | FinalState;

export interface ResetRequest {
  id: string;
  kind: RequestKind;
  deviceId: string;
  requestedBy: string;
  surface: Surface;
  notifyUser: boolean;
  state: RequestState;
  pushAttempts: number;
  nextPushAt: Date | null;
  expiresAt: Date;
  /** Plain-words explanation of the final state (or of the refusal). */
  outcome: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** Encrypted passcode still stored (false once purged, and always for lock-only). */
  hasPasscode: boolean;
  /**
   * Through an MDM: per command ("resetPasscode", "remoteLock"), the start time (ISO) of the MDM's
   * latest record of it before Latchkey first sent it, or "none"; a newer record is this request's.
   * Absent for a command not sent yet.
   */
  mdmBaselines: Record<string, string>;
}

export interface TimelineEvent {
  id: number;
  requestId: string;
  at: Date;
  type: string;
  actor: string;
  detail: string;
}

export type DeliveryChannel = "email" | "slack_dm" | "teams_dm";
export type DeliveryStatus = "pending" | "sent" | "failed";

export interface Delivery {
  id: string;
  requestId: string;
  recipientEmail: string;
  channel: DeliveryChannel;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  /** Set while an attempt is in progress; still set when a claim lapses, its process gone. */
  attemptStartedAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
  /** Where a chat delivery landed (opaque to the core), for removing the passcode later. */
  externalRef: string | null;
  redactAt: Date | null;
  redactedAt: Date | null;
}

/** The chat platforms that follow a request in a thread and deliver by direct message. */
export type ChatSurface = "slack" | "teams";

/** Why a thread follows a request: the admin's channel, the security alert, the employee's own DM. */
export type ThreadPurpose = "requester" | "security" | "owner";

export interface ThreadTarget {
  surface: ChatSurface;
  purpose: ThreadPurpose;
  /** A Slack channel id, a Teams conversation reference: opaque to the core. */
  conversation: string;
}

export interface ChatThread extends ThreadTarget {
  id: string;
  requestId: string;
  /** The status message (Slack ts, Teams activity id) once posted. */
  messageId: string | null;
  /** The request state the status message shows. */
  shownState: RequestState | null;
  /** Last timeline event shown in the thread. */
  syncedEventId: number;
  /** False once the final state is shown. */
  open: boolean;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  surface: Surface;
  action: string;
  outcome: "allowed" | "refused" | "ok" | "failed";
  deviceId: string | null;
  requestId: string | null;
  detail: string;
}

export function isFinal(state: RequestState): state is FinalState {
  return (FINAL_STATES as readonly string[]).includes(state);
}
