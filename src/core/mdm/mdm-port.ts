// The device back-end port for an MDM that acts on devices itself (Intune today; Google's Android
// Management API or Jamf Pro next): Latchkey sends one of the MDM's commands and reads the MDM's
// record of how it went. The request's lifecycle, timeline, deliveries, expiry and audit stay the
// core's (mdm-sequence.ts); what the MDM can do on a device is its capability check
// (capability-intune.ts). An adapter implements this with the MDM's API; no SDK here.
import type { DeviceBackend } from "../types.ts";

/** The commands Latchkey sends through an MDM. */
export type MdmAction = "resetPasscode" | "remoteLock";

/** Where the MDM says a command is (Graph's actionState values). */
export type MdmActionState = "none" | "pending" | "active" | "done" | "failed" | "notSupported" | "canceled";

export interface MdmActionResult {
  action: MdmAction;
  state: MdmActionState;
  /** When the MDM started the command (its clock). */
  startedAt: Date | null;
  /**
   * A secret the MDM generated: the new passcode of a resetPasscode done, the unlock PIN of a
   * macOS remoteLock done. Sealed at once, never logged, never shown.
   */
  secret: string | null;
  /** The MDM's error code for a failed command, when it gives one. */
  errorCode: number | null;
}

export type MdmSendResult =
  | { ok: true }
  /** The MDM answered no: sending it again cannot help (the words say why and what to do). */
  | { ok: false; kind: "refused"; message: string }
  /** It did not reach the MDM (throttled past our patience, unreachable before sending): try again later. */
  | { ok: false; kind: "transient"; message: string }
  /** It may have reached the MDM (no answer after sending): read the MDM's results before sending again. */
  | { ok: false; kind: "unknown"; message: string };

export type MdmReadResult =
  | { ok: true; results: MdmActionResult[] }
  /** The MDM no longer has the device. */
  | { ok: false; kind: "gone"; message: string }
  | { ok: false; kind: "transient"; message: string };

export interface MdmCommands {
  /** Sends `action` to the device (no body: the MDM chooses any passcode or PIN itself). */
  send(deviceId: string, action: MdmAction): Promise<MdmSendResult>;
  /** The MDM's latest result of each command on the device. Read-only; safe to repeat. */
  results(deviceId: string): Promise<MdmReadResult>;
}

/** The MDM back-ends this Latchkey is configured for (none on the embedded default). */
export type MdmBackends = Partial<Record<Exclude<DeviceBackend, "agent">, MdmCommands>>;
