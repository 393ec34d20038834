// Chat contacts: how to reach a chat user privately (Teams needs a stored conversation reference
// to message someone proactively). Upserted each time the user talks to the bot.
import type { ChatContacts } from "../../core/ports.ts";
import type { Db } from "./open-database.ts";

export function createContactStore(db: Db): ChatContacts {
  return {
    async save(surface, c) {
      const email = c.email?.trim().toLowerCase() ?? null;
      await db.chatContact.upsert({
        where: { surface_chatUserId: { surface, chatUserId: c.chatUserId } },
        create: { surface, chatUserId: c.chatUserId, email, reference: c.reference },
        update: { reference: c.reference, ...(email ? { email } : {}) },
      });
    },
    async get(surface, chatUserId) {
      const row = await db.chatContact.findUnique({ where: { surface_chatUserId: { surface, chatUserId } } });
      return row ? { chatUserId: row.chatUserId, email: row.email, reference: row.reference } : null;
    },
    async byEmail(surface, email) {
      const row = await db.chatContact.findFirst({
        where: { surface, email: email.trim().toLowerCase() },
        orderBy: { updatedAt: "desc" },
      });
      return row ? { chatUserId: row.chatUserId, email: row.email, reference: row.reference } : null;
    },
  };
}
