// Use case: the reset wizard's "who" step when the admin typed a name rather than a mention or an
// email. One match is the owner; none or several are answered with what to do next (the surface
// words it). A search matches on the start of an email or anywhere in a name, case-insensitive.
import { authorize, resolveActor } from "../authorization.ts";
import type { Engine } from "../engine.ts";
import { can } from "../policy.ts";
import type { Person, Surface } from "../types.ts";

/** How many matches a surface lists before asking for an email or a mention. */
export const LISTED_MATCHES = 5;

export type OwnerSearch =
  | { status: "one"; owner: Person }
  | { status: "none" }
  /** More than one: the first LISTED_MATCHES of them, and whether there were more. */
  | { status: "several"; people: Person[]; more: boolean };

export async function findOwner(engine: Engine, name: string): Promise<OwnerSearch> {
  const found = await engine.stores.directory.findPeople(name.trim(), LISTED_MATCHES + 1);
  const [only] = found;
  if (found.length === 1 && only) return { status: "one", owner: only };
  if (found.length === 0) return { status: "none" };
  return { status: "several", people: found.slice(0, LISTED_MATCHES), more: found.length > LISTED_MATCHES };
}

/**
 * Before anyone is looked up (a mention, a name): may this actor reset devices at all? A refusal
 * is audited and said; the inventory is not searchable by employees, and a name that matches no
 * one must not tell them so. `ownerHint`: who the command named, for the audit row only.
 */
export async function mayLookUpOwners(
  engine: Engine,
  input: { actorEmail: string; ownerHint: string; surface: Surface },
): Promise<{ allowed: true; actor: Person | null } | { allowed: false; message: string }> {
  const actor = await resolveActor(engine, input.actorEmail);
  if (can(actor, "reset").allowed) return { allowed: true, actor };
  const decision = await authorize(engine, {
    actorEmail: input.actorEmail,
    action: "reset",
    device: null,
    ownerEmail: input.ownerHint,
    surface: input.surface,
    actor,
  });
  return decision.allowed ? { allowed: true, actor } : decision;
}
