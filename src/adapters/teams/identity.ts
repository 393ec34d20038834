// Who a Teams user is, in Latchkey's terms: the person whose email (or UPN) Teams gives for their
// AAD object id (TeamsInfo.getMember). The match is stored on the person and cached here; each
// user's way back (their 1:1 conversation reference) is stored as a chat contact, so passcodes
// and alerts can reach them proactively later.
import { TeamsInfo, type TurnContext } from "botbuilder";
import type { Engine } from "../../core/engine.ts";
import { ConnectorError } from "./connector-transport.ts";
import { type PersonalRef, parseRef, personalRefOf } from "./conversation-ref.ts";

export type TeamsWho =
  | { ok: true; email: string; name: string; aadObjectId: string }
  | { ok: false; message: string };

const TTL_MS = 10 * 60_000;

export interface TeamsIdentity {
  /** The person who sent this activity. */
  sender(ctx: TurnContext): Promise<TeamsWho>;
  /** Another member of the conversation (a message's author), by 29:... id or AAD object id. */
  member(ctx: TurnContext, id: string, aadObjectId?: string | null): Promise<TeamsWho>;
  /** Stores how to reach the sender privately (called on every activity a user sends). */
  remember(ctx: TurnContext): Promise<void>;
}

export function createTeamsIdentity(engine: Engine): TeamsIdentity {
  const { directory, contacts } = engine.stores;
  const cache = new Map<string, { who: TeamsWho; at: number }>();
  const saved = new Map<string, string>();

  async function lookup(ctx: TurnContext, id: string, aad: string | null): Promise<TeamsWho> {
    const stored = aad ? await directory.personByChatUser("teams", aad) : null;
    if (stored && aad) return { ok: true, email: stored.email, name: stored.name, aadObjectId: aad };
    const member = await TeamsInfo.getMember(ctx, id).catch((err: unknown) => {
      if (err instanceof ConnectorError && err.statusCode === 404) return null;
      throw err;
    });
    if (!member) return { ok: false, message: "That Teams user could not be found in this conversation." };
    const objectId = member.aadObjectId ?? aad;
    const email = (member.email || member.userPrincipalName || "").trim().toLowerCase();
    if (!objectId || !email.includes("@")) {
      return {
        ok: false,
        message: `Teams does not give an email address for ${member.name ?? "this user"} (a guest or an external user), so Latchkey cannot tell who they are in the inventory.`,
      };
    }
    const person = await directory.person(email);
    if (person) await directory.linkChatUser("teams", objectId, email);
    return { ok: true, email, name: person?.name ?? member.name ?? email, aadObjectId: objectId };
  }

  async function cached(ctx: TurnContext, id: string, aad: string | null): Promise<TeamsWho> {
    const key = aad ?? id;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.who;
    const who = await lookup(ctx, id, aad);
    if (cache.size > 5000) cache.clear();
    cache.set(key, { who, at: Date.now() });
    return who;
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
      const fresh = personalRefOf(ctx.activity);
      const memo = `${fresh.serviceUrl}|${fresh.conversationId ?? ""}`;
      if (saved.get(aad) === memo) return;
      const who = await cached(ctx, ctx.activity.from.id, aad);
      const existing = await contacts.get("teams", aad);
      const old = existing ? safeParse(existing.reference) : null;
      // A channel or group chat activity does not reveal the 1:1 conversation: keep the known one.
      const reference: PersonalRef = {
        ...fresh,
        conversationId: fresh.conversationId ?? old?.conversationId ?? null,
      };
      await contacts.save("teams", {
        chatUserId: aad,
        email: who.ok ? who.email : null,
        reference: JSON.stringify(reference),
      });
      saved.set(aad, memo);
    },
  };
}

function safeParse(text: string): PersonalRef | null {
  try {
    return parseRef<PersonalRef>(text);
  } catch {
    return null;
  }
}
