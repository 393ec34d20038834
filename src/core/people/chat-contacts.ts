// Use cases: how to reach someone privately on a chat platform that needs a stored conversation
// reference to write first (Teams). The reference is saved whenever someone talks to the bot; a
// passcode goes only to the contact of the one account linked to the person, never to another
// account that claims their address. The reference itself is the platform's (opaque here).
import type { ChatContact } from "../chat-ports.ts";
import type { Engine } from "../engine.ts";
import type { ChatSurface } from "../types.ts";

export function saveContact(engine: Engine, surface: ChatSurface, contact: ChatContact): Promise<void> {
  return engine.stores.contacts.save(surface, contact);
}

/** The contact stored under an account id (or a channel's own key). */
export function contactOfAccount(
  engine: Engine,
  surface: ChatSurface,
  id: string,
): Promise<ChatContact | null> {
  return engine.stores.contacts.get(surface, id);
}

/**
 * How to reach a person privately: the contact of the one account linked to them (the newest
 * verified). People known only from LATCHKEY_ADMINS have no inventory row to link to: their newest
 * contact with a verified address is used.
 */
export async function privateContact(
  engine: Engine,
  surface: ChatSurface,
  email: string,
): Promise<ChatContact | null> {
  const { directory, contacts } = engine.stores;
  const key = email.trim().toLowerCase();
  const linked = await directory.chatUserOf(surface, key);
  const contact = linked
    ? await contacts.get(surface, linked)
    : (await directory.person(key))
      ? null
      : await contacts.byEmail(surface, key);
  return contact && contact.email === key ? contact : null;
}
