// Who a Slack user is, in Latchkey's terms: the person with the email Slack gives for them
// (users.info, scope users:read.email). The match is stored on the person (so a DM can find the
// account) but never trusted for long: after 10 minutes Slack is asked again, so a changed email
// or a deactivated account moves or drops the link (and the change is audited). Users of another
// workspace (Slack Connect) are not matched, whatever email their own workspace gives them; while
// Slack cannot say which workspace Latchkey is in (auth.test fails), nobody is. An address Slack has
// not confirmed matches no one (the match decides whose passcode a DM carries), and a guest account
// (single- or multi-channel) never acts as an IT admin.

import type { webApi } from "@slack/bolt";
import { recordAudit } from "../../core/audit-trail.ts";
import type { Engine } from "../../core/engine.ts";
import {
  adminOnGuestAccount,
  inventoryName,
  linkedAccount,
  storeChatIdentity,
} from "../../core/people/chat-identity.ts";
import { createIdentityCache } from "../identity-cache.ts";

export type SlackWho = { ok: true; email: string; name: string } | { ok: false; message: string };

const TTL_MS = 10 * 60_000;

export interface SlackIdentity {
  /** The person behind a Slack user id, checked with Slack at most 10 minutes ago. */
  resolve(slackUserId: string): Promise<SlackWho>;
  /** The Slack user id of a person (stored match re-checked, else users.lookupByEmail), null when none. */
  slackIdOf(email: string): Promise<string | null>;
}

interface SlackUser {
  id?: string;
  name?: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_stranger?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_email_confirmed?: boolean;
  team_id?: string;
  profile?: { email?: string };
}

/** Slack did not say which workspace Latchkey is in: no one can be told apart from a stranger. */
class WorkspaceUnknown extends Error {
  constructor() {
    super(
      "Latchkey cannot check with Slack which workspace it belongs to right now, so it cannot tell who you are. Try again in a minute.",
    );
  }
}

export function createSlackIdentity(engine: Engine, client: webApi.WebClient): SlackIdentity {
  const cache = createIdentityCache<SlackWho>(TTL_MS);
  const misses = new Map<string, number>();
  let ownTeam: Promise<string> | null = null;
  /** This workspace's id; throws WorkspaceUnknown (and asks again next time) while auth.test fails. */
  const team = (): Promise<string> => {
    if (ownTeam) return ownTeam;
    const asked = client.auth.test().then(
      (r) => {
        if (!r.team_id) throw new WorkspaceUnknown();
        return r.team_id;
      },
      () => {
        throw new WorkspaceUnknown();
      },
    );
    ownTeam = asked;
    asked.catch(() => {
      if (ownTeam === asked) ownTeam = null;
    });
    return asked;
  };

  /** A refusal worth a trace: an account that gives a known address it may not act for. */
  async function refuse(slackUserId: string, message: string): Promise<SlackWho> {
    await recordAudit(engine, {
      actor: `slack:${slackUserId}`,
      surface: "slack",
      action: "identity.refused",
      outcome: "refused",
      detail: message,
    });
    return { ok: false, message };
  }

  async function check(slackUserId: string, user: SlackUser | null): Promise<SlackWho> {
    if (!user) return { ok: false, message: "That Slack user could not be found." };
    const name = user.real_name || user.name || slackUserId;
    if (user.deleted) return { ok: false, message: `${name}'s Slack account is deactivated.` };
    if (user.is_bot) return { ok: false, message: `${name} is a bot, not a person.` };
    const home = await team();
    if (user.is_stranger || (user.team_id && user.team_id !== home)) {
      return {
        ok: false,
        message: `${name} belongs to another Slack workspace; Latchkey only acts for people of this one.`,
      };
    }
    const email = user.profile?.email?.trim().toLowerCase();
    if (!email) {
      return {
        ok: false,
        message: `Slack does not share an email address for ${name} (a guest, or the app lacks the users:read.email scope), so Latchkey cannot tell who they are in the inventory.`,
      };
    }
    if (user.is_email_confirmed !== true) {
      return refuse(
        slackUserId,
        `Slack has not confirmed the email address of ${name}'s account (${email}), so Latchkey cannot tell who they are. Confirm it in Slack; Latchkey checks again within 10 minutes.`,
      );
    }
    if ((user.is_restricted || user.is_ultra_restricted) && (await adminOnGuestAccount(engine, email))) {
      return refuse(
        slackUserId,
        `${name} uses a guest account in this Slack workspace; Latchkey never takes an IT admin's actions from a guest account. Use your full member account.`,
      );
    }
    return { ok: true, email, name };
  }

  /** Stores what Slack said now (core/people/chat-identity.ts: a link that changed hands is moved and audited). */
  const remember = (slackUserId: string, who: SlackWho) =>
    storeChatIdentity(engine, { surface: "slack", chatUserId: slackUserId }, who, "email changed in Slack");

  async function lookup(slackUserId: string): Promise<SlackWho> {
    const info = await client.users
      .info({ user: slackUserId })
      .catch((err: { data?: { error?: string } }) => {
        if (err.data?.error === "user_not_found") return null;
        throw err;
      });
    const who = await check(slackUserId, (info?.user as SlackUser | undefined) ?? null);
    await remember(slackUserId, who);
    if (!who.ok) return who;
    return { ok: true, email: who.email, name: await inventoryName(engine, who.email, who.name) };
  }

  function resolve(slackUserId: string): Promise<SlackWho> {
    // Not remembered: the next call asks Slack again.
    return cache
      .get(slackUserId, () => lookup(slackUserId))
      .catch((err: unknown) => {
        if (err instanceof WorkspaceUnknown) return { ok: false, message: err.message };
        throw err;
      });
  }

  return {
    resolve,
    async slackIdOf(email) {
      const key = email.trim().toLowerCase();
      const stored = await linkedAccount(engine, "slack", key);
      // The stored account must still be this person's (resolve re-checks it with Slack).
      if (stored) {
        const who = await resolve(stored);
        if (who.ok && who.email === key) return stored;
      }
      const missedAt = misses.get(key);
      if (missedAt && Date.now() - missedAt < TTL_MS) return null;
      const found = await client.users
        .lookupByEmail({ email: key })
        .catch((err: { data?: { error?: string } }) => {
          if (err.data?.error === "users_not_found") return null;
          throw err;
        });
      const id = found?.user?.id;
      const who = id ? await check(id, found.user as SlackUser) : null;
      if (!id || !who?.ok || who.email !== key) {
        misses.set(key, Date.now());
        return null;
      }
      await remember(id, who);
      cache.set(id, who);
      return id;
    },
  };
}
