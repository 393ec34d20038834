// Taking an action: who the actor is (resolveActor), and the audited decision. What is allowed is
// decided by the pure policy (policy.ts), which surfaces also ask to decide what to offer.
import type { AuthorizedAction } from "./audit-actions.ts";
import type { Engine } from "./engine.ts";
import { can } from "./policy.ts";
import type { Device, Person, Surface } from "./types.ts";

export type Action = AuthorizedAction;

export type Decision =
  | { allowed: true; actor: Person }
  | { allowed: false; actor: Person | null; message: string };

export async function resolveActor(engine: Engine, email: string): Promise<Person | null> {
  const key = email.trim().toLowerCase();
  const person = await engine.stores.directory.person(key);
  if (engine.admins.has(key)) return { email: key, name: person?.name ?? key, role: "admin" };
  return person;
}

export async function authorize(
  engine: Engine,
  input: {
    actorEmail: string;
    action: Action;
    device: Device | null;
    surface: Surface;
    requestId?: string;
    /** Who started the request acted on: they may cancel their own. */
    requestedBy?: string;
    /** The person acted on, when no device is chosen yet (listing someone's devices). */
    ownerEmail?: string;
    /** The actor as the caller already resolved them (resolveActor), to save a lookup. */
    actor?: Person | null;
  },
): Promise<Decision> {
  const actor = input.actor !== undefined ? input.actor : await resolveActor(engine, input.actorEmail);
  const owner = input.device?.ownerEmail ?? input.ownerEmail?.trim().toLowerCase() ?? null;
  const decision = decide(actor, input.action, owner, input.requestedBy);
  await engine.stores.audit.append({
    actor: input.actorEmail.trim().toLowerCase(),
    surface: input.surface,
    action: `authorize.${input.action}`,
    outcome: decision.allowed ? "allowed" : "refused",
    deviceId: input.device?.id ?? null,
    requestId: input.requestId ?? null,
    detail: decision.allowed ? `${actor?.role ?? "unknown"} may ${input.action}` : decision.message,
  });
  return decision;
}

function decide(actor: Person | null, action: Action, owner: string | null, requestedBy?: string): Decision {
  const verdict = can(actor, action, { ownerEmail: owner, requestedBy: requestedBy ?? null });
  if (verdict.allowed && actor) return { allowed: true, actor };
  return { allowed: false, actor, message: verdict.allowed ? "" : verdict.message };
}
