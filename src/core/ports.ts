// What the core needs from the outside world, named for the need. Adapters implement these;
// the core never imports an SDK.
import type { AuditAction } from "./audit-actions.ts";
import type { ChatContacts, ThreadStore } from "./chat-ports.ts";
import type { MdmInventoryStore } from "./inventory/mdm-ports.ts";
import type {
  AuditEntry,
  ChatSurface,
  Delivery,
  DeliveryChannel,
  Device,
  Person,
  RequestKind,
  RequestState,
  ResetRequest,
  Role,
  Surface,
  ThreadTarget,
  TimelineEvent,
} from "./types.ts";

export type { ChatContact, ChatContacts, ChatTimeline, ThreadStore, ThreadView } from "./chat-ports.ts";
export {
  type PasscodeLetter,
  type PasscodeSender,
  PermanentDeliveryError,
  type SentMessage,
} from "./delivery-ports.ts";

export interface Clock {
  now(): Date;
}

export interface Random {
  /** Uniform integer in [0, maxExclusive), cryptographically secure. */
  int(maxExclusive: number): number;
  /** A new opaque identifier such as `rq_5f2c...`. */
  id(prefix: string): string;
  /** A new URL-safe secret with `bytes` bytes of entropy. */
  secret(bytes: number): string;
}

/** Structured logger. Callers pass identifiers, never secrets. */
export interface Logger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export interface PersonInput {
  email: string;
  name: string;
  role?: Role;
}

/**
 * What an inventory import knows of a device; the rest is learned from the device agent. An
 * imported device is an `agent` device: Intune devices come from the sync (core/inventory).
 */
export type DeviceInput = Omit<
  Device,
  "pushToken" | "pushUnreachableAt" | "enrolled" | "backend" | "mdm" | "retiredAt"
>;

export type EnrollHashes = { codeHash: string; secretHash: string };

export interface Directory {
  person(email: string): Promise<Person | null>;
  device(id: string): Promise<Device | null>;
  deviceWithOwner(id: string): Promise<{ device: Device; owner: Person } | null>;
  devicesOf(ownerEmail: string): Promise<Device[]>;
  listDevices(filter?: { ownerEmail?: string }): Promise<Device[]>;
  countDevices(): Promise<number>;
  /** Upserts by email / id, with `audit`, in one transaction: all or nothing. */
  upsertInventory(
    people: PersonInput[],
    devices: DeviceInput[],
    audit?: AuditInput,
  ): Promise<{ people: number; devices: number }>;
  /** Stores a new code's digest with its `audit` row, in one transaction; false: no such device. */
  setEnrollmentCode(deviceId: string, codeHash: string, expiresAt: Date, audit: AuditInput): Promise<boolean>;
  /** Swaps a valid, unexpired code for a secret, with `audit`, in one transaction; false: nothing written. */
  completeEnrollment(deviceId: string, hashes: EnrollHashes, now: Date, audit: AuditInput): Promise<boolean>;
  deviceBySecretHash(secretHash: string): Promise<Device | null>;
  setPushToken(deviceId: string, token: string | null): Promise<void>;
  markPushUnreachable(deviceId: string, at: Date): Promise<void>;
  touchSeen(deviceId: string, at: Date): Promise<void>;
  /** The device confirmed a new passcode: from now on it has one (the capability rules depend on it). */
  markPasscodeSet(deviceId: string): Promise<void>;
  /** The person a chat user was matched to before (the mapping is stored). */
  personByChatUser(surface: ChatSurface, chatUserId: string): Promise<Person | null>;
  /** Stores the match, with `audit`, in one transaction; a chat user id belongs to one person at most. */
  linkChatUser(surface: ChatSurface, chatUserId: string, email: string, audit?: AuditInput): Promise<void>;
  chatUserOf(surface: ChatSurface, email: string): Promise<string | null>;
  /** Forgets a chat user id (gone, or no longer anyone in the inventory), with `audit`, in one transaction. */
  unlinkChatUser(surface: ChatSurface, chatUserId: string, audit?: AuditInput): Promise<void>;
  /** People whose email starts with, or whose name contains, `text` (case-insensitive), at most `limit`. */
  findPeople(text: string, limit: number): Promise<Person[]>;
}

export interface NewEvent {
  type: string;
  actor: string;
  detail: string;
}

export interface AuditInput {
  actor: string;
  surface: Surface;
  /** One of the closed list in audit-actions.ts. */
  action: AuditAction;
  outcome: AuditEntry["outcome"];
  deviceId?: string | null;
  requestId?: string | null;
  detail: string;
}

export interface NewRequest {
  id: string;
  kind: RequestKind;
  deviceId: string;
  requestedBy: string;
  surface: Surface;
  notifyUser: boolean;
  state: RequestState;
  expiresAt: Date;
  nextPushAt: Date | null;
  passcodeCipher: string | null;
  idempotencyKeyHash: string | null;
  outcome: string | null;
  finishedAt: Date | null;
}

export interface NewDelivery {
  id: string;
  recipientEmail: string;
  channel: DeliveryChannel;
}

export type CreateResult =
  | { created: true; request: ResetRequest }
  | { created: false; reason: "device_busy" | "duplicate"; existing: ResetRequest };

export interface Transition {
  from: readonly RequestState[];
  to: RequestState;
  event: NewEvent;
  outcome?: string;
  nextPushAt?: Date | null;
  /** Drop the stored passcode material in the same write. */
  purgePasscode?: boolean;
  deliveries?: NewDelivery[];
  audit?: AuditInput;
  /** Events written just before `event`, in the same write (an approval, then the check). */
  before?: NewEvent[];
  /** A passcode generated on this transition (approval): stored encrypted, its digest kept in the history. */
  passcode?: { cipher: string; digest: string };
  /** A new deadline (an approved request gets the full request expiry from its approval). */
  expiresAt?: Date;
}

export interface RequestListFilter {
  limit: number;
  deviceId?: string;
  requestedBy?: string;
  states?: RequestState[];
}

export interface RequestStore {
  /** Creates the request with its first events (and audit row, and passcode digest) in one transaction. */
  create(
    request: NewRequest,
    events: NewEvent[],
    extras: { passcodeDigest?: string; audit?: AuditInput; threads?: ThreadTarget[] },
  ): Promise<CreateResult>;
  get(id: string): Promise<ResetRequest | null>;
  byIdempotencyKeyHash(hash: string): Promise<ResetRequest | null>;
  activeForDevice(deviceId: string): Promise<ResetRequest | null>;
  /** The open requests on any of these devices (at most one each). */
  activeForDevices(deviceIds: string[]): Promise<ResetRequest[]>;
  passcodeCipher(id: string): Promise<string | null>;
  /** Compare-and-set on the state: applies only when the current state is in `from`; null otherwise. */
  transition(id: string, t: Transition): Promise<ResetRequest | null>;
  addEvent(id: string, event: NewEvent): Promise<void>;
  /** Claims the next push attempt (compare-and-set on the attempt count); false if another worker did. */
  claimPush(id: string, seenAttempts: number, nextPushAt: Date): Promise<boolean>;
  /**
   * Claims sending an MDM command (compare-and-set on the attempt count) until `leaseUntil`, and
   * records `baselines` (the MDM's record before the first send) in the same write; false if
   * another worker claimed it.
   */
  claimMdmSend(
    id: string,
    seenAttempts: number,
    leaseUntil: Date,
    baselines: Record<string, string>,
  ): Promise<boolean>;
  /** Makes a push due at `at` (or stops pushing with null), e.g. when the device registers a new token. */
  schedulePush(id: string, at: Date | null): Promise<void>;
  duePushes(now: Date, limit: number): Promise<ResetRequest[]>;
  dueExpiries(now: Date, limit: number): Promise<ResetRequest[]>;
  /**
   * Final requests still holding passcode material, finished before `finishedBefore`, whose
   * passcode someone has: none of their deliveries pending or sent since then, and one sent if
   * they had any.
   */
  purgeable(finishedBefore: Date, limit: number): Promise<ResetRequest[]>;
  purgePasscode(id: string, event: NewEvent): Promise<boolean>;
  list(filter: RequestListFilter): Promise<ResetRequest[]>;
  events(id: string, afterId?: number): Promise<TimelineEvent[]>;
  recentPasscodeDigests(deviceId: string, count: number): Promise<string[]>;
  /** How many requests are in each state (the metrics' gauge). */
  countByState(): Promise<{ state: string; count: number }[]>;
}

export interface DeliveryStore {
  /** Pending deliveries whose attempt is due, oldest first (of one request only, when given). */
  due(now: Date, limit: number, requestId?: string): Promise<Delivery[]>;
  claim(id: string, seenAttempts: number, nextAttemptAt: Date): Promise<boolean>;
  /** Records the final outcome of one delivery with its timeline event and audit row, in one transaction. */
  settle(
    id: string,
    outcome: {
      status: "sent" | "failed";
      at: Date;
      error?: string;
      /** Where a chat message landed, and when to remove the passcode from it. */
      externalRef?: string;
      redactAt?: Date;
    },
    event: NewEvent,
    audit: AuditInput,
  ): Promise<void>;
  /** A failed attempt: the error, its timeline event, and when the next attempt is due. */
  retryLater(id: string, error: string, event: NewEvent, nextAttemptAt?: Date): Promise<void>;
  /**
   * A failed delivery made due again (an admin asked to resend the passcode), with its timeline
   * event and audit row, in one transaction; false when it was not failed.
   */
  requeueFailed(id: string, event: NewEvent, audit: AuditInput): Promise<boolean>;
  /** Remembers where a prepared chat message is, before the passcode goes into it. */
  setExternalRef(id: string, ref: string): Promise<void>;
  forRequest(requestId: string): Promise<Delivery[]>;
  /** Sent chat deliveries whose passcode is due to be removed. */
  dueRedactions(now: Date, limit: number): Promise<Delivery[]>;
  /** Claims one redaction attempt (compare-and-set on redactAt), pushing the next attempt to `retryAt`. */
  claimRedaction(id: string, seenRedactAt: Date, retryAt: Date): Promise<boolean>;
  /** Records the removal with its timeline event and audit row, in one transaction. */
  markRedacted(id: string, at: Date, event: NewEvent, audit: AuditInput): Promise<void>;
  /** Stops trying to redact (the message could not be edited); it is not marked as redacted. */
  abandonRedaction(id: string, error: string, event: NewEvent, audit: AuditInput): Promise<void>;
  /** How many deliveries per channel and status (the metrics' gauge). */
  countByChannelAndStatus(): Promise<{ channel: string; status: string; count: number }[]>;
}

export interface AuditLog {
  append(entry: AuditInput): Promise<void>;
  list(filter: { since?: Date; limit?: number }): Promise<AuditEntry[]>;
}

export interface JobClaims {
  /** Inserts the unique key of one job fire; true only for the one process that inserted it. */
  claim(key: string, jobName: string, owner: string): Promise<boolean>;
  prune(before: Date): Promise<number>;
}

export interface Stores {
  directory: Directory;
  requests: RequestStore;
  deliveries: DeliveryStore;
  audit: AuditLog;
  jobs: JobClaims;
  threads: ThreadStore;
  contacts: ChatContacts;
  mdmInventory: MdmInventoryStore;
}

/** Data-only push: tells the device agent that a command waits. Never carries the passcode. */
export interface PushMessage {
  requestId: string;
}

export type PushResult =
  | { ok: true }
  | { ok: false; kind: "unregistered" | "invalid" | "transient" | "no_registration"; message: string };

export interface PushChannel {
  send(device: Device, message: PushMessage): Promise<PushResult>;
}

/** Told after each committed timeline event, so chat adapters can follow a request live. */
export interface TimelineObserver {
  /** `request` as the step that wrote `event` saw it; other steps may have moved it on since
   * (told "delivered", state "locked", after it completed): read the store, not `request.state`. */
  onEvent(request: ResetRequest, event: NewEvent): void | Promise<void>;
}
