// Everything the use cases need, built once by the composition root and passed in.

import type { MdmBackends } from "./mdm/mdm-port.ts";
import type {
  ChatTimeline,
  Clock,
  Logger,
  NewEvent,
  PasscodeSender,
  PushChannel,
  Random,
  Stores,
  TimelineObserver,
} from "./ports.ts";
import type { SecretBox } from "./secrets.ts";
import { stampText } from "./time-text.ts";
import type { ResetRequest } from "./types.ts";

export interface EngineSettings {
  requestExpiryMs: number;
  staleDeviceAfterMs: number;
  passcodeRetentionMs: number;
  /** Wait before re-pushing a command the device has not picked up, by attempt number. */
  pushBackoffMs: readonly number[];
  /**
   * Bounds of the wait between reads of an MDM's record of a command: half the time since it was
   * sent, at least `min` (soon after the send), at most `max`.
   */
  mdmFollowWaitMs: { min: number; max: number };
  /** Wait before retrying a failed delivery, by attempt number. */
  deliveryBackoffMs: readonly number[];
  deliveryMaxAttempts: number;
  enrollmentCodeTtlMs: number;
  /** How many of a device's previous passcodes a new one must differ from. */
  passcodeHistory: number;
  /** How long a chat DM shows the passcode before it is edited out. */
  chatRedactAfterMs: number;
  /** Two-person rule: a reset of someone else's device waits for a second admin's approval. */
  requireApproval: boolean;
  /** How long such a request waits for its approval before it expires. */
  approvalTtlMs: number;
}

export const DEFAULT_SETTINGS: EngineSettings = {
  requestExpiryMs: 24 * 3_600_000,
  staleDeviceAfterMs: 7 * 86_400_000,
  passcodeRetentionMs: 3_600_000,
  pushBackoffMs: [10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000],
  mdmFollowWaitMs: { min: 5_000, max: 300_000 },
  deliveryBackoffMs: [10_000, 30_000, 60_000, 300_000, 900_000],
  deliveryMaxAttempts: 6,
  enrollmentCodeTtlMs: 24 * 3_600_000,
  passcodeHistory: 5,
  chatRedactAfterMs: 3_600_000,
  requireApproval: false,
  approvalTtlMs: 30 * 60_000,
};

export interface Engine {
  stores: Stores;
  push: PushChannel;
  /** Name of the push channel, for the timeline ("Firebase Cloud Messaging", "local simulator"). */
  pushChannelName: string;
  senders: PasscodeSender[];
  /** The MDMs that act on their devices themselves (Intune), by back-end; none on the embedded default. */
  backends: MdmBackends;
  secrets: SecretBox;
  clock: Clock;
  random: Random;
  log: Logger;
  settings: EngineSettings;
  /** Admins named in configuration (LATCHKEY_ADMINS), lower-cased. */
  admins: ReadonlySet<string>;
  observers: TimelineObserver[];
  /** Chat platforms that follow requests in threads (Slack, Teams); empty when none is configured. */
  timelines: ChatTimeline[];
}

export function backoff(table: readonly number[], attempt: number): number {
  return table[Math.min(attempt, table.length - 1)] ?? 60_000;
}

/** Observer work still running, per engine: shutting down waits for it (settled). */
const inFlight = new WeakMap<Engine, Set<Promise<void>>>();

/** Tells observers about a committed event. Observers are chat adapters: their failures never fail the core. */
export function announce(engine: Engine, request: ResetRequest, event: NewEvent): void {
  const running = inFlight.get(engine) ?? new Set<Promise<void>>();
  inFlight.set(engine, running);
  for (const o of engine.observers) {
    const work: Promise<void> = Promise.resolve()
      .then(() => o.onEvent(request, event))
      .catch((err: unknown) =>
        engine.log.warn({ requestId: request.id, err: errorText(err) }, "timeline observer failed"),
      )
      .finally(() => running.delete(work));
    running.add(work);
  }
}

/**
 * Resolves once every observer call announced so far (and any it led to) has finished, or after
 * `timeoutMs` (false then): work cut short is safe to abandon, the sweep of the next run resumes it.
 */
export async function settled(engine: Engine, timeoutMs = 10_000): Promise<boolean> {
  const running = inFlight.get(engine);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((ok) => {
    timer = setTimeout(() => ok(false), timeoutMs);
  });
  try {
    while (running && running.size > 0) {
      if ((await Promise.race([Promise.allSettled([...running]).then(() => true), expired])) === false)
        return false;
    }
    return true;
  } finally {
    clearTimeout(timer);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A moment in stored timeline text: "08 Dec 2026 04:23 UTC" (read later, so never relative). */
export function at(date: Date): string {
  return stampText(date);
}
