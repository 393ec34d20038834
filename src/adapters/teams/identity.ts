// Who a Teams user is, in Latchkey's terms: the person whose user principal name Teams gives for
// their AAD object id (TeamsInfo.getMember). Only the UPN counts, never `email`: the mail attribute
// can be set by the user's own tenant (or the user), the UPN is the sign-in name; a member whose UPN
// Teams does not give is not matched. Guests, anonymous users and members of
// another tenant are not matched, whatever address they show. The match is stored on the person
// (so a passcode can find their 1:1) but never trusted for long: after 10 minutes Teams is asked
// again, and a link that changed hands is moved or dropped, with an audit row (as in Slack).
// Each user's way back (their 1:1 conversation reference) is stored as a chat contact; a person is
// reached through the one account linked to them, never through whichever account last claimed
// their address.

import { type TeamsChannelAccount, TeamsInfo, type TurnContext } from "botbuilder";
import type { Engine } from "../../core/engine.ts";
import { contactOfAccount, privateContact, saveContact } from "../../core/people/chat-contacts.ts";
import { inventoryName, storeChatIdentity } from "../../core/people/chat-identity.ts";
import type { ChatContact } from "../../core/ports.ts";
import { createIdentityCache } from "../identity-cache.ts";
import { escapeMarkdown } from "./cards/markdown.ts";
import { ConnectorError } from "./connector-transport.ts";
import { type PersonalRef, parseRef, personalRefOf, tenantOf } from "./conversation-ref.ts";

export type TeamsWho =
  | { ok: true; email: string; name: string; aadObjectId: string }
  | { ok: false; message: string };

export const IDENTITY_TTL_MS = 10 * 60_000;

export interface TeamsIdentityOptions {
  /** The bot's tenant (MICROSOFT_APP_TENANT_ID); null: the tenant the activity came from. */
  tenantId: string | null;
  /** Local mode: the Emulator and the Agents Playground give no user role or tenant. */
  local: boolean;
  ttlMs?: number;
}

export interface TeamsIdentity {
  /** The person who sent this activity, checked with Teams at most 10 minutes ago. */
  sender(ctx: TurnContext): Promise<TeamsWho>;
  /** Another member of the conversation (a message's author), by 29:... id or AAD object id. */
  member(ctx: TurnContext, id: string, aadObjectId?: string | null): Promise<TeamsWho>;
  /** Stores how to reach the sender privately (called on every activity a user sends). */
  remember(ctx: TurnContext): Promise<void>;
}

export function createTeamsIdentity(engine: Engine, opts: TeamsIdentityOptions): TeamsIdentity {
  const ttl = opts.ttlMs ?? IDENTITY_TTL_MS;
  const cache = createIdentityCache<TeamsWho>(ttl);
  const saved = new Map<string, string>();

  function check(ctx: TurnContext, member: TeamsChannelAccount | null): TeamsWho {
    if (!member) return { ok: false, message: "That Teams user could not be found in this conversation." };
    // A display name is whatever the account's own tenant says: Markdown in a Teams message.
    const name = member.name ? escapeMarkdown(member.name) : "this user";
    const role = member.userRole;
    if ((role !== undefined || !opts.local) && role !== "user") {
      return {
        ok: false,
        message: `${name} is ${role === "guest" ? "a guest" : "not a member"} of this organization's Teams; Latchkey only acts for its own members.`,
      };
    }
    const home = opts.tenantId ?? tenantOf(ctx.activity);
    if (home && (member.tenantId !== undefined || !opts.local) && member.tenantId !== home) {
      return {
        ok: false,
        message: `${name} belongs to another Microsoft 365 organization; Latchkey only acts for people of this one.`,
      };
    }
    const email = (member.userPrincipalName ?? "").trim().toLowerCase();
    if (!member.aadObjectId || !email.includes("@")) {
      return {
        ok: false,
        message: `Teams does not give a sign-in name for ${name}, so Latchkey cannot tell who they are in the inventory.`,
      };
    }
    return { ok: true, email, name: member.name || "this user", aadObjectId: member.aadObjectId };
  }

  /** Stores what Teams said now (core/people/chat-identity.ts: a link that changed hands is moved and audited). */
  const relink = (aad: string, who: TeamsWho) =>
    storeChatIdentity(engine, { surface: "teams", chatUserId: aad }, who, "sign-in name changed in Teams");

  async function lookup(ctx: TurnContext, id: string, aad: string | null): Promise<TeamsWho> {
    const member = await TeamsInfo.getMember(ctx, id).catch((err: unknown) => {
      if (err instanceof ConnectorError && err.statusCode === 404) return null;
      throw err;
    });
    const who = check(ctx, member);
    const objectId = member?.aadObjectId ?? aad;
    if (objectId) await relink(objectId, who);
    if (!who.ok) return who;
    return { ...who, name: await inventoryName(engine, who.email, who.name) };
  }

  function cached(ctx: TurnContext, id: string, aad: string | null): Promise<TeamsWho> {
    return cache.get(aad ?? id, () => lookup(ctx, id, aad));
  }

  return {
    sender(ctx) {
      const from = ctx.activity.from;
      return cached(ctx, from.id, from.aadObjectId ?? null);
    },
    member(ctx, id, aad) {
      return cached(ctx, id, aad ?? null);
    },
    async remember(ctx) {
      const aad = ctx.activity.from?.aadObjectId;
      if (!aad || !ctx.activity.serviceUrl) return;
      const fresh = personalRefOf(ctx.activity, opts.local);
      const memo = `${fresh.serviceUrl}|${fresh.conversationId ?? ""}`;
      if (saved.get(aad) === memo && cache.fresh(aad)) return;
      const who = await cached(ctx, ctx.activity.from.id, aad);
      const existing = await contactOfAccount(engine, "teams", aad);
      const old = existing ? safeParse(existing.reference) : null;
      // A channel or group chat activity does not reveal the 1:1 conversation: keep the known one.
      const reference: PersonalRef = {
        ...fresh,
        conversationId: fresh.conversationId ?? old?.conversationId ?? null,
      };
      await saveContact(engine, "teams", {
        chatUserId: aad,
        email: who.ok ? who.email : null,
        reference: JSON.stringify(reference),
      });
      saved.set(aad, memo);
    },
  };
}

/** How to reach a person privately in Teams (who that is: core/people/chat-contacts.ts). */
export async function contactOf(
  engine: Engine,
  email: string,
): Promise<{ contact: ChatContact; ref: PersonalRef } | null> {
  const contact = await privateContact(engine, "teams", email);
  const ref = contact ? safeParse(contact.reference) : null;
  return contact && ref ? { contact, ref } : null;
}

function safeParse(text: string): PersonalRef | null {
  try {
    return parseRef<PersonalRef>(text);
  } catch {
    return null;
  }
}
