// Use case: send the new passcode privately (email, chat DM) once the device confirms the lock (or
// once a reset it picked up ends unconfirmed: unconfirmed-reset.ts), retrying with backoff, then
// complete the request. Each attempt is claimed in the database.

import { moveDelivery } from "../delivery-gate.ts";
import { at, backoff, type Engine, errorText } from "../engine.ts";
import { type NewEvent, type PasscodeSender, PermanentDeliveryError, type SentMessage } from "../ports.ts";
import { moveRequest, noteRequest } from "../request-gate.ts";
import type { Delivery, Person, ResetRequest } from "../types.ts";
import { passcodeCaveat } from "./unconfirmed-reset.ts";

export const CHANNEL_NAMES: Record<Delivery["channel"], string> = {
  email: "email",
  slack_dm: "Slack direct message",
  teams_dm: "Teams chat",
};

export async function deliverPending(
  engine: Engine,
  filter: { requestId?: string } = {},
  limit = 50,
): Promise<number> {
  // One request's deliveries are asked for by name: under a backlog of other requests' due
  // deliveries, the oldest page would not hold them and they would wait for the sweep.
  const mine = await engine.stores.deliveries.due(engine.clock.now(), limit, filter.requestId);
  // Side by side, a few at a time: a mail server that hangs must not hold back the chat DM of the
  // same request (or other requests' deliveries) for as long as its timeouts. Each delivery is
  // claimed on its own, so running them together cannot send one twice.
  const queue = [...mine];
  const failures: unknown[] = [];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      await deliverOne(engine, d).catch((err: unknown) => void failures.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELIVERY_CONCURRENCY, queue.length) }, worker));
  if (failures.length > 0) throw failures[0];
  return mine.length;
}

const DELIVERY_CONCURRENCY = 8;

/**
 * How long a claimed attempt belongs to its worker: longer than the slowest send (the SMTP
 * transport gives up within about a minute; chat senders sooner) plus recording its outcome. A
 * shorter claim let a second worker (another replica's sweep) send the same passcode again
 * while the first was still waiting on a slow mail server. A failed attempt sets its own retry
 * time (the backoff); only a worker that died mid-attempt makes the next one wait this long.
 */
export const DELIVERY_CLAIM_MS = 120_000;

/** Waits between tries to record a delivery that did go out (the database may be briefly away). */
const RECORD_RETRY_MS = [250, 500, 1000, 2000, 4000, 8000, 15_000, 30_000];

async function deliverOne(engine: Engine, delivery: Delivery): Promise<void> {
  const { deliveries, requests, directory } = engine.stores;
  const now = engine.clock.now();
  const backoffMs = backoff(engine.settings.deliveryBackoffMs, delivery.attempts);
  const claimedUntil = new Date(now.getTime() + Math.max(backoffMs, DELIVERY_CLAIM_MS));
  if (!(await deliveries.claim(delivery.id, delivery.attempts, claimedUntil))) return;
  const attempt = delivery.attempts + 1;
  const request = await requests.get(delivery.requestId);
  const sender = engine.senders.find((s) => s.channel === delivery.channel);
  const cipher = await requests.passcodeCipher(delivery.requestId);
  const device = request ? await directory.device(request.deviceId) : null;
  const channel = CHANNEL_NAMES[delivery.channel];
  const to = delivery.recipientEmail;
  const auditBase = {
    actor: "latchkey",
    surface: "system" as const,
    deviceId: request?.deviceId ?? null,
    requestId: delivery.requestId,
  };

  // A passcode no configured key opens (its key left PASSCODE_KEY_PREVIOUS too soon) fails for
  // good: retrying cannot help, so it is settled like an erased one, with the reason shown.
  const opened = cipher ? openPasscode(engine, cipher, delivery.requestId) : null;
  if (!request || !sender || !cipher || !device || !opened?.ok) {
    const why = !cipher
      ? "the passcode was already erased"
      : opened && !opened.ok
        ? opened.error
        : "this channel is no longer configured";
    await moveDelivery(
      engine,
      request,
      delivery,
      {
        to: "failed",
        outcome: { status: "failed", at: now, error: why },
        audit: {
          ...auditBase,
          action: "passcode.delivery",
          outcome: "failed",
          detail: `${delivery.channel} to ${to}: ${why}`,
        },
      },
      {
        type: "delivery_failed",
        actor: "latchkey",
        detail: `Could not send the passcode by ${channel} to ${to}: ${why}.`,
      },
    );
    await completeIfDelivered(engine, delivery.requestId);
    return;
  }
  if (delivery.attemptStartedAt) await noteCutOff(engine, request, delivery, sender);
  const passcode = opened.passcode;
  const recipient = await personOrBare(engine, to);
  const requester = await personOrBare(engine, request.requestedBy);
  const envelope = {
    recipient,
    requester,
    device,
    request,
    toDeviceUser: to === device.ownerEmail,
    caveat: passcodeCaveat(request, device),
  };
  let sent: SentMessage | undefined;
  try {
    let prepared: SentMessage | undefined = delivery.externalRef ? { ref: delivery.externalRef } : undefined;
    if (!prepared && sender.prepare) {
      prepared = await sender.prepare(envelope);
      await deliveries.setExternalRef(delivery.id, prepared.ref);
    }
    sent = await sender.send({ ...envelope, passcode }, prepared);
  } catch (err) {
    const reason = errorText(err).split(passcode).join("[redacted]");
    const permanent = err instanceof PermanentDeliveryError;
    if (permanent || attempt >= engine.settings.deliveryMaxAttempts) {
      const e: NewEvent = {
        type: "delivery_failed",
        actor: "latchkey",
        detail: permanent
          ? `Could not send the passcode by ${channel} to ${to}, and trying again cannot help: ${reason}`
          : `Gave up sending the passcode by ${channel} to ${to} after ${attempt} attempts: ${reason}`,
      };
      const audit = {
        ...auditBase,
        action: "passcode.delivery" as const,
        outcome: "failed" as const,
        detail: `${delivery.channel} to ${to}: ${reason}`,
      };
      const outcome = { status: "failed" as const, at: now, error: reason };
      await moveDelivery(engine, request, delivery, { to: "failed", outcome, audit }, e);
      await completeIfDelivered(engine, request.id);
    } else {
      const retryAt = new Date(engine.clock.now().getTime() + backoffMs);
      const e: NewEvent = {
        type: "delivery_retry",
        actor: "latchkey",
        detail: `Sending the passcode by ${channel} to ${to} failed (attempt ${attempt}): ${reason} Retrying at ${at(retryAt)}.`,
      };
      await moveDelivery(
        engine,
        request,
        delivery,
        { to: "retry", error: reason, nextAttemptAt: retryAt },
        e,
      );
    }
    return;
  }
  const e: NewEvent = {
    type: "delivered",
    actor: "latchkey",
    detail: `The passcode was sent privately by ${channel} to ${to}.`,
  };
  const redactable = sent && sender.redact;
  const outcome = redactable
    ? {
        status: "sent" as const,
        at: now,
        externalRef: sent?.ref,
        redactAt: new Date(now.getTime() + engine.settings.chatRedactAfterMs),
      }
    : { status: "sent" as const, at: now };
  // It went out: failing to record that would send it again on the next attempt, so the record
  // is retried (within the claim) while the database is briefly away.
  const audit = {
    ...auditBase,
    action: "passcode.delivery" as const,
    outcome: "ok" as const,
    detail: `${delivery.channel} to ${to}`,
  };
  await recordSent(engine, delivery, async () => {
    await moveDelivery(engine, request, delivery, { to: "sent", outcome, audit }, e);
  });
  await completeIfDelivered(engine, request.id);
}

/**
 * The attempt before this one was claimed and never recorded: its process stopped mid-attempt
 * (a crash, a SIGKILL, a lost host). It may have gone out; the timeline says so before the send
 * that follows, and how that send avoids a second copy.
 */
async function noteCutOff(
  engine: Engine,
  request: ResetRequest,
  delivery: Delivery,
  sender: PasscodeSender,
): Promise<void> {
  const started = delivery.attemptStartedAt ? ` (started ${at(delivery.attemptStartedAt)})` : "";
  const e: NewEvent = {
    type: "delivery_retry",
    actor: "latchkey",
    detail:
      `Attempt ${delivery.attempts} to send the passcode by ${CHANNEL_NAMES[delivery.channel]} to ` +
      `${delivery.recipientEmail}${started} was cut off before its outcome was recorded: the process ` +
      `sending it stopped, and it may have gone out. Sending it ${sender.repeatsAs ?? "again"}.`,
  };
  await noteRequest(engine, request, e);
}

async function recordSent(
  engine: Engine,
  delivery: { id: string; requestId: string },
  write: () => Promise<void>,
): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await write();
      return;
    } catch (err) {
      const wait = RECORD_RETRY_MS[i];
      if (wait === undefined) throw err;
      engine.log.warn(
        { requestId: delivery.requestId, deliveryId: delivery.id, err: errorText(err), retryInMs: wait },
        "a passcode was sent but recording it failed; retrying",
      );
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

function openPasscode(
  engine: Engine,
  cipher: string,
  requestId: string,
): { ok: true; passcode: string } | { ok: false; error: string } {
  try {
    return { ok: true, passcode: engine.secrets.open(cipher) };
  } catch (err) {
    engine.log.error({ requestId, err: errorText(err) }, "stored passcode cannot be decrypted");
    return { ok: false, error: errorText(err) };
  }
}

async function personOrBare(engine: Engine, email: string): Promise<Person> {
  return (await engine.stores.directory.person(email)) ?? { email, name: email, role: "employee" };
}

/** Completes a locked request once every delivery has settled. Safe to call any number of times. */
export async function completeIfDelivered(engine: Engine, requestId: string): Promise<void> {
  const request = await engine.stores.requests.get(requestId);
  // "passcode_reset" with deliveries: a device its MDM cannot lock, whose passcode went out with the reset.
  if (request?.state !== "locked" && request?.state !== "passcode_reset") return;
  const all = await engine.stores.deliveries.forRequest(requestId);
  if (all.some((d) => d.status === "pending")) return;
  if (request.state === "passcode_reset" && all.length === 0) return;
  const sent = all
    .filter((d) => d.status === "sent")
    .map((d) => `${d.recipientEmail} (${CHANNEL_NAMES[d.channel]})`);
  const failed = all
    .filter((d) => d.status === "failed")
    .map((d) => `${d.recipientEmail} (${CHANNEL_NAMES[d.channel]})`);
  let outcome: string;
  const what =
    request.state === "locked"
      ? "Passcode reset and device locked"
      : "Passcode reset (no remote lock on this device)";
  if (request.kind === "lock")
    outcome =
      all.length === 0
        ? "The device is locked."
        : `The device is locked; its unlock PIN was sent to ${sent.join(", ") || "nobody"}.`;
  else if (sent.length === 0) outcome = `${what}, but the passcode could not be delivered to anyone.`;
  else outcome = `${what}; passcode sent to ${sent.join(", ")}.`;
  if (failed.length > 0 && sent.length > 0) outcome += ` Delivery failed to ${failed.join(", ")}.`;
  const e: NewEvent = { type: "completed", actor: "latchkey", detail: outcome };
  await moveRequest(engine, request, { from: [request.state], to: "completed", event: e, outcome });
}

/** Sweep: requests left in "locked" (say, after a crash) whose deliveries have all settled. */
export async function completeSettled(engine: Engine, limit = 100): Promise<void> {
  const locked = await engine.stores.requests.list({ limit, states: ["locked", "passcode_reset"] });
  for (const r of locked) await completeIfDelivered(engine, r.id);
}
