// The one way a request comes into being, changes state, or gains a timeline line. Each checks the
// lifecycle table (lifecycle.ts: the agent's or the MDM's, by the device's back-end), writes the
// change with its events, audit row, deliveries and passcode as one compare-and-set (the store),
// and tells observers (the chat threads) after the commit. An illegal move is a typed error and
// writes nothing; a move someone else made first returns null.
import { announce, type Engine } from "./engine.ts";
import { canMove, stateAfterCheck } from "./lifecycle.ts";
import type { AuditInput, CreateResult, NewEvent, NewRequest, Transition } from "./ports.ts";
import {
  type DeviceBackend,
  isFinal,
  type RequestKind,
  type RequestState,
  type ResetRequest,
  type ThreadTarget,
} from "./types.ts";

export class IllegalMove extends Error {
  override name = "IllegalMove";
  constructor(
    readonly kind: RequestKind,
    readonly backend: DeviceBackend,
    readonly from: RequestState,
    readonly to: RequestState,
  ) {
    super(`A ${kind} request on a device of back-end "${backend}" cannot move from ${from} to ${to}.`);
  }
}

/** The states a request may be created in: refused at once, waiting for approval, or checked and under way. */
export function entryStates(kind: RequestKind, backend: DeviceBackend): RequestState[] {
  return ["refused", "awaiting_approval", stateAfterCheck(kind, backend)];
}

async function backendOf(engine: Engine, request: Pick<ResetRequest, "deviceId">): Promise<DeviceBackend> {
  return (await engine.stores.directory.device(request.deviceId))?.backend ?? "agent";
}

/**
 * Moves the request from one of `t.from` to `t.to`. Staying in a final state (a note on a request
 * that has ended, such as a device's late report) is not a move and is allowed.
 */
export async function moveRequest(
  engine: Engine,
  request: Pick<ResetRequest, "id" | "kind" | "deviceId">,
  t: Transition,
  backend?: DeviceBackend,
): Promise<ResetRequest | null> {
  const b = backend ?? (await backendOf(engine, request));
  for (const from of t.from) {
    const note = from === t.to && isFinal(from);
    if (!note && !canMove(request.kind, from, t.to, b)) throw new IllegalMove(request.kind, b, from, t.to);
  }
  const moved = await engine.stores.requests.transition(request.id, t);
  if (moved) for (const e of [...(t.before ?? []), t.event]) announce(engine, moved, e);
  return moved;
}

/** Creates the request in an entry state with its first events (and audit row, passcode digest, threads). */
export async function createRequest(
  engine: Engine,
  request: NewRequest,
  events: NewEvent[],
  extras: { passcodeDigest?: string; audit?: AuditInput; threads?: ThreadTarget[] },
  backend: DeviceBackend,
): Promise<CreateResult> {
  if (!entryStates(request.kind, backend).includes(request.state)) {
    throw new IllegalMove(request.kind, backend, "requested", request.state);
  }
  const created = await engine.stores.requests.create(request, events, extras);
  if (created.created) for (const e of events) announce(engine, created.request, e);
  return created;
}

/** Erases the request's stored passcode (its retention is over), with its event; false if already erased. */
export async function erasePasscode(
  engine: Engine,
  request: ResetRequest,
  event: NewEvent,
): Promise<boolean> {
  const erased = await engine.stores.requests.purgePasscode(request.id, event);
  if (erased) announce(engine, request, event);
  return erased;
}

/** A timeline line that changes no state (a retry, a lock sent), told to observers once written. */
export async function noteRequest(engine: Engine, request: ResetRequest, event: NewEvent): Promise<void> {
  await engine.stores.requests.addEvent(request.id, event);
  announce(engine, request, event);
}
