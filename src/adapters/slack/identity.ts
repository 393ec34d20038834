// Who a Slack user is, in Latchkey's terms: the person with the email Slack gives for them
// (users.info, scope users:read.email). The match is stored on the person and cached here, so a
// busy admin costs one users.info call, not one per click.
import type { webApi } from "@slack/bolt";
import type { Engine } from "../../core/engine.ts";

export type SlackWho = { ok: true; email: string; name: string } | { ok: false; message: string };

const TTL_MS = 10 * 60_000;

export interface SlackIdentity {
  /** The person behind a Slack user id. */
  resolve(slackUserId: string): Promise<SlackWho>;
  /** The Slack user id of a person (stored match, else users.lookupByEmail), null when none. */
  slackIdOf(email: string): Promise<string | null>;
}

export function createSlackIdentity(engine: Engine, client: webApi.WebClient): SlackIdentity {
  const cache = new Map<string, { who: SlackWho; at: number }>();
  const misses = new Map<string, number>();
  const { directory } = engine.stores;

  async function lookup(slackUserId: string): Promise<SlackWho> {
    const stored = await directory.personByChatUser("slack", slackUserId);
    if (stored) return { ok: true, email: stored.email, name: stored.name };
    const info = await client.users
      .info({ user: slackUserId })
      .catch((err: { data?: { error?: string } }) => {
        if (err.data?.error === "user_not_found") return null;
        throw err;
      });
    const user = info?.user;
    if (!user) return { ok: false, message: "That Slack user could not be found." };
    const name = user.real_name || user.name || slackUserId;
    if (user.is_bot) return { ok: false, message: `${name} is a bot, not a person.` };
    const email = user.profile?.email?.trim().toLowerCase();
    if (!email) {
      return {
        ok: false,
        message: `Slack does not share an email address for ${name} (a guest, or the app lacks the users:read.email scope), so Latchkey cannot tell who they are in the inventory.`,
      };
    }
    if (await directory.person(email)) await directory.linkChatUser("slack", slackUserId, email);
    return { ok: true, email, name: (await directory.person(email))?.name ?? name };
  }

  return {
    async resolve(slackUserId) {
      const hit = cache.get(slackUserId);
      if (hit && Date.now() - hit.at < TTL_MS) return hit.who;
      const who = await lookup(slackUserId);
      if (cache.size > 5000) cache.clear();
      cache.set(slackUserId, { who, at: Date.now() });
      return who;
    },
    async slackIdOf(email) {
      const key = email.trim().toLowerCase();
      const stored = await directory.chatUserOf("slack", key);
      if (stored) return stored;
      const missedAt = misses.get(key);
      if (missedAt && Date.now() - missedAt < TTL_MS) return null;
      const found = await client.users
        .lookupByEmail({ email: key })
        .catch((err: { data?: { error?: string } }) => {
          if (err.data?.error === "users_not_found") return null;
          throw err;
        });
      const id = found?.user?.id;
      if (!id || found.user?.deleted) {
        misses.set(key, Date.now());
        return null;
      }
      if (await directory.person(key)) await directory.linkChatUser("slack", id, key);
      return id;
    },
  };
}
