// Use case: a reset or a lock carried out by an MDM (Intune). Driven from the database like the
// agent's push (push-command.ts): the request's `nextPushAt` says when the next step is due and each
// step is claimed with a compare-and-set on the attempt count, so a crash never loses a step and two
// workers never take the same one. Each step reads the MDM's record of the device first, so a
// command the MDM already took is followed, never sent twice: a second resetPasscode would make the
// passcode of the first useless. Before its first send of a command the request stores the MDM's
// latest record of that command (its baseline): a newer record is this request's own, in the MDM's
// clock, whatever ours says and however recently another request sent the same command.
//
//   checked --send (accepted)--> pushed --result done, passcode--> passcode_reset
//     --send remoteLock (event lock_sent)--> --result done--> locked (deliveries queued) --> completed
//   lock only: checked --send remoteLock--> pushed --done (macOS: an unlock PIN)--> locked --> completed
//   a device the MDM cannot lock: passcode_reset (deliveries queued) --> completed

import type { Engine } from "../engine.ts";
import type { NewEvent, Transition } from "../ports.ts";
import { moveRequest, noteRequest } from "../request-gate.ts";
import { completeIfDelivered, deliverPending } from "../reset/deliver.ts";
import { assessDevice } from "../reset/device-choices.ts";
import { mayHaveApplied, plannedDeliveries, recipientsText } from "../reset/unconfirmed-reset.ts";
import { BACKEND_NAMES, type Device, type RequestState, type ResetRequest } from "../types.ts";
import type { MdmAction, MdmActionResult, MdmCommands } from "./mdm-port.ts";
import { baselineOf, currentAction, followWaitMs, ownResult, sentKey } from "./mdm-records.ts";
import * as words from "./mdm-words.ts";

/**
 * How long one send may take, and so how long it is claimed: the Graph client waits out a 429's
 * Retry-After up to 2 minutes, plus its timeouts. Another worker must not send meanwhile.
 */
export const SEND_LEASE_MS = 5 * 60_000;

/** States in which a request through an MDM has a step to take. */
export const MDM_DUE: readonly RequestState[] = ["checked", "pushed", "passcode_reset"];

export function commandsFor(engine: Engine, device: Device): MdmCommands | null {
  return device.backend === "agent" ? null : (engine.backends[device.backend] ?? null);
}

/** Takes the request's next step, if one is due. */
export async function advanceMdm(engine: Engine, request: ResetRequest, device: Device): Promise<void> {
  const commands = commandsFor(engine, device);
  const now = engine.clock.now();
  if (!commands || !MDM_DUE.includes(request.state)) return;
  if (!request.nextPushAt || request.nextPushAt > now) return;
  const next = new Date(now.getTime() + followWaitMs(engine.settings.mdmFollowWaitMs, request, now));
  if (!(await engine.stores.requests.claimPush(request.id, request.pushAttempts, next))) return;
  await step(engine, { ...request, pushAttempts: request.pushAttempts + 1 }, device, commands, next);
}

interface Ctx {
  engine: Engine;
  request: ResetRequest;
  device: Device;
  commands: MdmCommands;
  name: string;
  next: Date;
}

async function step(
  engine: Engine,
  request: ResetRequest,
  device: Device,
  commands: MdmCommands,
  next: Date,
): Promise<void> {
  const ctx: Ctx = { engine, request, device, commands, name: BACKEND_NAMES[device.backend], next };
  const read = await commands.results(device.id);
  if (!read.ok) {
    if (read.kind === "gone") return fail(ctx, `${read.message} Run latchkey sync intune.`);
    engine.log.warn(
      { requestId: request.id, reason: read.message },
      "could not read the MDM's record; trying again",
    );
    return;
  }
  const action = currentAction(request);
  const ours = ownResult(request, action, read.results);
  if (request.state === "checked") {
    if (ours) {
      const moved = await accepted(ctx, action, true);
      if (moved) return onResult({ ...ctx, request: moved }, ours);
      return;
    }
    return send(ctx, action, read.results);
  }
  // The lock not listed since it was (perhaps) sent: the MDM lists a command once it accepts it.
  if (request.state === "passcode_reset" && !ours) return send(ctx, action, read.results);
  if (ours) return onResult(ctx, ours);
}

async function send(ctx: Ctx, action: MdmAction, results: MdmActionResult[]): Promise<void> {
  const { engine, request, name } = ctx;
  // The baseline of the first send stays: a resend (the MDM never listed the first) compares with it.
  const now = engine.clock.now();
  const baselines = {
    ...request.mdmBaselines,
    [action]: request.mdmBaselines[action] ?? baselineOf(action, results),
    [sentKey(action)]: now.toISOString(),
  };
  const lease = new Date(now.getTime() + SEND_LEASE_MS);
  if (!(await engine.stores.requests.claimMdmSend(request.id, request.pushAttempts, lease, baselines)))
    return;
  const sent = await ctx.commands.send(ctx.device.id, action);
  // Sent (or tried) just now: the next read (or try) is due soon, not after the whole lease.
  const soon = { ...ctx, next: new Date(engine.clock.now().getTime() + engine.settings.mdmFollowWaitMs.min) };
  if (sent.ok) {
    if (request.state === "checked") await accepted(soon, action, false);
    else {
      await event(ctx, {
        type: "lock_sent",
        actor: "latchkey",
        detail: `${name} accepted the lock; waiting for the device to carry it out.`,
      });
      await engine.stores.requests.schedulePush(request.id, soon.next);
    }
    return;
  }
  if (sent.kind === "refused") return fail(ctx, sent.message);
  await engine.stores.requests.schedulePush(request.id, soon.next);
  const detail =
    sent.kind === "unknown"
      ? words.unknownSendText(name, action, sent.message, soon.next)
      : words.sendRetryText(name, action, sent.message, soon.next);
  engine.log.warn(
    { requestId: request.id, action, kind: sent.kind },
    "MDM command not confirmed; trying again",
  );
  await event(ctx, { type: "push_failed", actor: "latchkey", detail });
}

/** The MDM took the command: "pushed", audited (an auditor asks who sent what to which device). */
async function accepted(ctx: Ctx, action: MdmAction, found: boolean): Promise<ResetRequest | null> {
  const { engine, request, name } = ctx;
  const e: NewEvent = { type: "pushed", actor: "latchkey", detail: words.acceptedText(name, action, found) };
  const moved = await moveRequest(
    engine,
    request,
    {
      from: ["checked"],
      to: "pushed",
      event: e,
      nextPushAt: ctx.next,
      audit: {
        actor: request.requestedBy,
        surface: request.surface,
        action: "mdm.command",
        outcome: "ok",
        deviceId: request.deviceId,
        requestId: request.id,
        detail: `${name} accepted ${action}${found ? " (found in its record after an interruption)" : ""}`,
      },
    },
    ctx.device.backend,
  );
  return moved;
}

async function onResult(ctx: Ctx, r: MdmActionResult): Promise<void> {
  if (r.state === "pending" || r.state === "active" || r.state === "none") return;
  if (r.state !== "done") return fail(ctx, words.resultFailureText(ctx.name, r));
  if (r.action === "resetPasscode") return passcodeReported(ctx, r.secret);
  return locked(ctx, r.secret);
}

async function passcodeReported(ctx: Ctx, passcode: string | null): Promise<void> {
  const { engine, request, device, name } = ctx;
  if (!passcode) return fail(ctx, words.noPasscodeText(name));
  const capability = assessDevice(engine, device, null);
  const lockNext = capability.facts?.lockPossible ?? capability.lock.allowed;
  const e: NewEvent = {
    type: "passcode_reset",
    actor: "latchkey",
    detail: words.passcodeReportedText(name, lockNext),
  };
  const t: Transition = {
    from: ["pushed"],
    to: "passcode_reset",
    event: e,
    passcode: sealed(engine, device, passcode),
    // The lock follows at once; a device the MDM cannot lock gets its deliveries now and waits for nothing.
    nextPushAt: lockNext ? engine.clock.now() : null,
  };
  if (!lockNext) {
    t.deliveries = await plannedDeliveries(engine, request);
    t.before = [e];
    t.event = {
      type: "lock_skipped",
      actor: "latchkey",
      detail: words.noLockText(name, recipientsText(t.deliveries)),
    };
  }
  const moved = await moveRequest(engine, request, t, device.backend);
  if (!moved) return;
  await engine.stores.directory.markPasscodeSet(device.id);
  if (lockNext) return step(engine, moved, device, ctx.commands, ctx.next);
  await deliverPending(engine, { requestId: moved.id });
  await completeIfDelivered(engine, moved.id);
}

async function locked(ctx: Ctx, pin: string | null): Promise<void> {
  const { engine, request, device, name } = ctx;
  const withPin = request.kind === "lock" && pin !== null;
  const deliveries =
    request.kind === "reset_and_lock" || withPin ? await plannedDeliveries(engine, request) : [];
  const e: NewEvent = {
    type: "locked",
    actor: "latchkey",
    detail: words.lockedText(name, withPin, recipientsText(deliveries)),
  };
  const moved = await moveRequest(
    engine,
    request,
    {
      from: [request.state],
      to: "locked",
      event: e,
      nextPushAt: null,
      deliveries,
      ...(withPin && pin ? { passcode: sealed(engine, device, pin) } : {}),
    },
    device.backend,
  );
  if (!moved) return;
  await deliverPending(engine, { requestId: moved.id });
  await completeIfDelivered(engine, moved.id);
}

/** Ends the request as failed; a passcode the MDM reported set is still delivered (unconfirmed-reset.ts). */
async function fail(ctx: Ctx, why: string): Promise<void> {
  const { engine, request } = ctx;
  const keep = mayHaveApplied(request);
  const deliveries = keep ? await plannedDeliveries(engine, request) : [];
  const to = recipientsText(deliveries);
  const sending = keep
    ? to
      ? ` The passcode was reset all the same: it is sent privately to ${to}.`
      : " The passcode was reset all the same, but nobody can be sent it."
    : "";
  const e: NewEvent = { type: "failed", actor: "latchkey", detail: `${why}${sending}` };
  const moved = await moveRequest(
    engine,
    request,
    {
      from: [request.state],
      to: "failed",
      event: e,
      outcome: `Failed: ${why}${sending}`,
      purgePasscode: !keep,
      deliveries,
      audit: {
        actor: "latchkey",
        surface: "system",
        action: "mdm.failed",
        outcome: "failed",
        deviceId: request.deviceId,
        requestId: request.id,
        detail: why,
      },
    },
    ctx.device.backend,
  );
  if (!moved) return;
  if (deliveries.length > 0) await deliverPending(engine, { requestId: moved.id });
}

async function event(ctx: Ctx, e: NewEvent): Promise<void> {
  await noteRequest(ctx.engine, ctx.request, e);
}

function sealed(engine: Engine, device: Device, secret: string): { cipher: string; digest: string } {
  return { cipher: engine.secrets.seal(secret), digest: engine.secrets.digest(device.id, secret) };
}
