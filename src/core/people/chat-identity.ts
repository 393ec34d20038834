// Use cases behind "who is this chat account": what Slack or Teams says an account is now, stored
// (a link that changed hands is moved, or dropped, and audited by the same transaction), the
// person an account was linked to, and the inventory's name for an address. The platforms check
// their own account flags (guest, other workspace or tenant) and call these; none reads the
// directory itself.
import { resolveActor } from "../authorization.ts";
import type { Engine } from "../engine.ts";
import { isAdmin } from "../policy.ts";
import type { ChatSurface } from "../types.ts";

export type ChatWho = { ok: true; email: string } | { ok: false; message: string };

const PLATFORM = { slack: "Slack", teams: "Teams" } as const;

/** `changed`: why a known account now names someone else ("email changed in Slack"). */
export async function storeChatIdentity(
  engine: Engine,
  account: { surface: ChatSurface; chatUserId: string },
  who: ChatWho,
  changed: string,
): Promise<void> {
  const { directory } = engine.stores;
  const { surface, chatUserId } = account;
  const before = await directory.personByChatUser(surface, chatUserId);
  const after = who.ok ? await directory.person(who.email) : null;
  if (before?.email === after?.email) return;
  const now = after?.email ?? "no one in the inventory";
  const audit = before
    ? ({
        actor: "latchkey",
        surface,
        action: "identity.relink",
        outcome: "ok",
        detail: `${PLATFORM[surface]} user ${chatUserId} was ${before.email}; now ${now} (${who.ok ? changed : who.message})`,
      } as const)
    : undefined;
  if (after) await directory.linkChatUser(surface, chatUserId, after.email, audit);
  else await directory.unlinkChatUser(surface, chatUserId, audit);
}

/** The chat account linked to a person on a platform (stored when they were last recognised). */
export function linkedAccount(engine: Engine, surface: ChatSurface, email: string): Promise<string | null> {
  return engine.stores.directory.chatUserOf(surface, email.trim().toLowerCase());
}

/** The inventory's name for an address, else `fallback` (the platform's display name). */
export async function inventoryName(engine: Engine, email: string, fallback: string): Promise<string> {
  return (await engine.stores.directory.person(email))?.name ?? fallback;
}

/** An IT admin's actions are never taken from a guest account: true when `email` is an admin's. */
export async function adminOnGuestAccount(engine: Engine, email: string): Promise<boolean> {
  return isAdmin(await resolveActor(engine, email));
}
