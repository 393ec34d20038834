// Who may do what. Admins (configured or with the admin role) act on any device; an employee
// acts only on their own devices, and only to report one lost. Every decision is audited.
import type { Engine } from "./engine.ts";
import type { Device, Person, Surface } from "./types.ts";

export type Action = "reset" | "report_lost" | "cancel" | "view";

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
  if (!actor) {
    return {
      allowed: false,
      actor: null,
      message: "You are not known to Latchkey: ask IT to add you to the inventory.",
    };
  }
  if (actor.role === "admin") return { allowed: true, actor };
  if ((action === "cancel" || action === "view") && requestedBy === actor.email)
    return { allowed: true, actor };
  const own = owner !== null && owner === actor.email;
  if (own && (action === "report_lost" || action === "view")) return { allowed: true, actor };
  if (action === "reset" && own) {
    return {
      allowed: false,
      actor,
      message: "Only IT admins can reset a passcode. If your device is lost, report it lost instead.",
    };
  }
  return {
    allowed: false,
    actor,
    message: "Only IT admins can act on someone else's device. This attempt has been recorded.",
  };
}
