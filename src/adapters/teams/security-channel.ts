// The channel that gets lost-device alerts (TEAMS_SECURITY_CONVERSATION). Its id is checked when
// the adapter starts: a pasted channel link or a thread id would make every alert fail later, at
// the worst moment. Posting there needs a service URL and tenant: the bot learns them from any
// activity it sees in that channel or its team (installation, a message, a mention) and stores
// them; until then it uses the reporter's own (the same region, in practice).

import type { Engine } from "../../core/engine.ts";
import { contactOfAccount, saveContact } from "../../core/people/chat-contacts.ts";
import type { Logger } from "../../core/ports.ts";
import { type ConversationRef, parseRef, refOf } from "./conversation-ref.ts";

/** A Teams channel id: "19:<id>@thread.tacv2" (older teams: "@thread.skype"). */
const CHANNEL_ID = /^19:[A-Za-z0-9_.=-]+@thread\.(tacv2|skype)$/;
/** Where the learned reference is kept: the contacts store, under an id no AAD user has. */
const STORE_ID = (id: string) => `conversation:${id}`;

export interface SecurityChannel {
  id: string | null;
  /** Learns the channel's reference from an activity seen there (or in its team). */
  observe(activity: Parameters<typeof refOf>[0] & ChannelData): Promise<void>;
  /** The reference to post alerts with: learned, else built from the reporter's activity. */
  target(reporter: ConversationRef): Promise<ConversationRef | null>;
}

interface ChannelData {
  channelData?: { tenant?: { id?: string }; team?: { id?: string }; channel?: { id?: string } };
}

/** What is wrong with the configured id, in words with what to do; null when it looks right. */
export function securityConversationProblem(id: string): string | null {
  if (CHANNEL_ID.test(id)) return null;
  const fromLink = /\/channel\/([^/?]+)/.exec(id)?.[1];
  const hint = fromLink ? ` It looks like a channel link: use ${decodeURIComponent(fromLink)}` : "";
  const thread = id.includes(";messageid=") ? " Remove the ;messageid=… part (that is one thread)." : "";
  return `TEAMS_SECURITY_CONVERSATION "${id.slice(0, 120)}" is not a Teams channel id such as 19:abc123@thread.tacv2: lost-device alerts will fail.${thread}${hint} In Teams, open the channel's "..." menu, "Get link to channel", and take the part after /channel/, URL-decoded.`;
}

export function createSecurityChannel(engine: Engine, id: string | null, log: Logger): SecurityChannel {
  if (id) {
    const problem = securityConversationProblem(id);
    if (problem) log.error({ component: "teams", setting: "TEAMS_SECURITY_CONVERSATION" }, problem);
  }
  let learned: ConversationRef | null = null;
  let memo = "";
  return {
    id,
    async observe(activity) {
      if (!id) return;
      const data = activity.channelData;
      const here = refOf(activity).conversationId;
      if (here !== id && data?.channel?.id !== id && data?.team?.id !== id) return;
      const ref: ConversationRef = { ...refOf(activity), conversationId: id, conversationType: "channel" };
      const key = `${ref.serviceUrl}|${ref.tenantId ?? ""}|${ref.bot.id}`;
      if (key === memo || !ref.serviceUrl || !ref.bot.id) return;
      await saveContact(engine, "teams", {
        chatUserId: STORE_ID(id),
        email: null,
        reference: JSON.stringify(ref),
      });
      learned = ref;
      memo = key;
    },
    async target(reporter) {
      if (!id) return null;
      if (!learned) {
        const stored = await contactOfAccount(engine, "teams", STORE_ID(id));
        try {
          learned = stored ? parseRef<ConversationRef>(stored.reference) : null;
        } catch {
          learned = null;
        }
      }
      return learned ?? { ...reporter, conversationId: id, conversationType: "channel" };
    },
  };
}
