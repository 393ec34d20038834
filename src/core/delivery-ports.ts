// What the core needs from the private channels a passcode travels on (email, chat DMs): the
// letter it hands them, and how they say a delivery can never succeed.
import type { DeliveryChannel, Device, Person, ResetRequest, Surface } from "./types.ts";

export interface PasscodeLetter {
  recipient: Person;
  requester: Person;
  device: Device;
  request: ResetRequest;
  passcode: string;
  /** True when the recipient is the device's user (who may also be the one who asked, e.g. a lost-device report). */
  toDeviceUser: boolean;
  /**
   * Set when the device picked the reset up but never confirmed the lock (it failed or the
   * request expired): it may or may not have applied this passcode. Shown with the passcode.
   */
  caveat: string | null;
}

/** Where a sent chat message is, so the passcode can be removed from it later. */
export interface SentMessage {
  ref: string;
}

/**
 * A delivery no retry can make succeed (the mail server refused the address, the chat account is
 * gone): senders throw it so the passcode is given up at once, with the reason, not after hours.
 */
export class PermanentDeliveryError extends Error {
  override name = "PermanentDeliveryError";
}

/** One private channel a passcode can travel on (email, chat DM). Throws on failure. */
export interface PasscodeSender {
  channel: DeliveryChannel;
  /** Chat senders serve requests made on their own surface only; email serves all. */
  surface?: Surface;
  reaches(person: Person): Promise<boolean>;
  /**
   * Chat senders post the message first without the passcode and return where it is; the core
   * stores that before `send` puts the passcode in it, so a retry or a crash never leaves a
   * second message holding the passcode that nothing will redact.
   */
  prepare?(letter: Omit<PasscodeLetter, "passcode">): Promise<SentMessage>;
  /**
   * How the passcode reaches the recipient when it is sent again after an attempt was cut off
   * with its outcome unknown (its process stopped between sending and recording), for the
   * timeline: "as the same email (…)", "into the same chat message (…)".
   */
  repeatsAs?: string;
  /** Sends (or, given the prepared message, fills in) the passcode. */
  send(letter: PasscodeLetter, prepared?: SentMessage): Promise<SentMessage | undefined>;
  /** Edits a sent message so it no longer shows the passcode, leaving a note of when it was sent. */
  redact?(ref: string, note: { sentAt: Date; device: Device | null }): Promise<void>;
}
