// Use case: tell the device a command waits (or, for a device its MDM acts on, take the MDM step due). Driven from the database: the request's
// `nextPushAt` says when a (re-)push is due, and each attempt is claimed with a compare-and-set
// on the attempt count, so a crash never loses a push and two workers never send the same one.
import { at, backoff, type Engine, errorText } from "../engine.ts";
import { awaitsPickup } from "../lifecycle.ts";
import { advanceMdm } from "../mdm/mdm-sequence.ts";
import type { NewEvent } from "../ports.ts";
import { noteRequest as event, moveRequest } from "../request-gate.ts";
import type { ResetRequest } from "../types.ts";

export async function pushRequest(engine: Engine, requestId: string): Promise<void> {
  const { requests, directory } = engine.stores;
  const request = await requests.get(requestId);
  if (!request) return;
  const device = await directory.device(request.deviceId);
  if (!device) return;
  // A device its MDM acts on (Intune): Latchkey sends the MDM's command and follows its result.
  if (device.backend !== "agent") return advanceMdm(engine, request, device);
  const now = engine.clock.now();
  if (!awaitsPickup(request.kind).includes(request.state)) return;
  if (!request.nextPushAt || request.nextPushAt > now) return;
  const attempt = request.pushAttempts + 1;
  const next = new Date(now.getTime() + backoff(engine.settings.pushBackoffMs, request.pushAttempts));
  if (!(await requests.claimPush(request.id, request.pushAttempts, next))) return;
  let result: Awaited<ReturnType<typeof engine.push.send>>;
  try {
    result = await engine.push.send(device, { requestId: request.id });
  } catch (err) {
    engine.log.error({ requestId, err: errorText(err) }, "push channel threw");
    result = { ok: false, kind: "transient", message: "The push service could not be reached." };
  }

  if (result.ok) {
    await recordSent(engine, request, attempt, next);
    return;
  }
  if (result.kind === "unregistered") await directory.markPushUnreachable(device.id, now);
  const movedOn = await stateIfMovedOn(engine, request.id);
  if (movedOn) {
    // The phone fetched the command while this push was on its way (it checked in on its own), or
    // the request was cancelled or expired meanwhile: the failure changes nothing, and "retrying"
    // would be untrue (a request in that state is never pushed again).
    engine.log.info(
      { requestId, attempt, kind: result.kind, state: movedOn },
      "push failed after the request had moved on; nothing to retry",
    );
    return;
  }
  const waits = `The command waits for the device's next check-in; the request expires at ${at(request.expiresAt)}.`;
  let detail: string;
  if (result.kind === "transient") {
    detail = `Sending to the device failed (attempt ${attempt}): ${result.message} Retrying at ${at(next)}.`;
  } else {
    await requests.schedulePush(request.id, null);
    detail = `${result.message} ${waits}`;
  }
  await event(engine, request, { type: "push_failed", actor: "latchkey", detail });
}

async function recordSent(engine: Engine, request: ResetRequest, attempt: number, next: Date): Promise<void> {
  const via = engine.pushChannelName;
  if (request.state === "pushed") {
    // Picked up (or ended) while this re-push was on its way: "not picked up yet" would be untrue.
    if (await stateIfMovedOn(engine, request.id)) return;
    await event(engine, request, {
      type: "push_retry",
      actor: "latchkey",
      detail: `Sent again through ${via} (attempt ${attempt}): the device has not picked up the command yet. Next try at ${at(next)}.`,
    });
    return;
  }
  const e: NewEvent = {
    type: "pushed",
    actor: "latchkey",
    detail: `Sent to the device through ${via}; waiting for the device to pick up the command (the request expires at ${at(request.expiresAt)} if it does not).`,
  };
  await moveRequest(engine, request, { from: [request.state], to: "pushed", event: e }, "agent");
}

/** The request's state if it no longer waits for the device to pick the command up. */
async function stateIfMovedOn(engine: Engine, requestId: string): Promise<string | null> {
  const now = await engine.stores.requests.get(requestId);
  if (!now || awaitsPickup(now.kind).includes(now.state)) return null;
  return now.state;
}

/** One sweep: every request whose push is due. */
export async function pushDue(engine: Engine, limit = 100): Promise<number> {
  const due = await engine.stores.requests.duePushes(engine.clock.now(), limit);
  for (const r of due) await pushRequest(engine, r.id);
  return due.length;
}
