// What Slack or Teams says a chat account is now, stored (both identity modules): a link that
// changed hands is moved, or dropped, and audited by the same transaction.
import type { Directory } from "../core/ports.ts";
import type { ChatSurface } from "../core/types.ts";

export type ChatWho = { ok: true; email: string } | { ok: false; message: string };

const PLATFORM = { slack: "Slack", teams: "Teams" } as const;

/** `changed`: why a known account now names someone else ("email changed in Slack"). */
export async function storeChatIdentity(
  directory: Directory,
  account: { surface: ChatSurface; chatUserId: string },
  who: ChatWho,
  changed: string,
): Promise<void> {
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
