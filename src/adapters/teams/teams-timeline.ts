// The Teams side of a followed request: post the status card into the conversation, keep it
// current with updateActivity, and reply with milestones in its thread (a channel; a 1:1 or group
// chat has no threads, so milestones follow the card as plain messages). Pacing and retries are
// the connector transport's.
import type { Engine } from "../../core/engine.ts";
import type { ChatTimeline, ThreadView } from "../../core/ports.ts";
import { attachment } from "./cards/render.ts";
import { milestoneTexts, statusCard, statusSummary } from "./cards/status-card.ts";
import { ConnectorError } from "./connector-transport.ts";
import {
  type ConversationRef,
  type PersonalRef,
  parseRef,
  personalConversation,
  threadConversationId,
} from "./conversation-ref.ts";
import type { Proactive } from "./proactive.ts";

export function statusActivity(view: ThreadView) {
  return { summary: statusSummary(view), attachments: [attachment(statusCard(view))] };
}

/** Teams' answers meaning "the bot is not in that conversation" (not installed in the team or chat). */
const CANNOT_POST = new Set([403, 404]);

export function createTeamsTimeline(engine: Engine, proactive: Proactive): ChatTimeline {
  async function adminChat(email: string): Promise<ConversationRef | null> {
    const contact = await engine.stores.contacts.byEmail("teams", email);
    if (!contact) return null;
    const p = parseRef<PersonalRef>(contact.reference);
    const conversationId = await proactive.openPersonal(p);
    return personalConversation({ ...p, conversationId });
  }

  return {
    surface: "teams",
    async postStatus(view) {
      const ref = parseRef<ConversationRef>(view.thread.conversation);
      try {
        const id = await proactive.post(ref, statusActivity(view));
        return { messageId: id, conversation: view.thread.conversation };
      } catch (err) {
        const status = err instanceof ConnectorError ? err.statusCode : 0;
        if (!CANNOT_POST.has(status) || view.thread.purpose !== "requester") throw err;
        // The dialog ran where the bot is not installed: follow the request in the admin's 1:1 chat
        // with the bot instead, and say why.
        const chat = await adminChat(view.request.requestedBy);
        if (!chat) throw err;
        await proactive.post(chat, {
          text: "I could not post in the conversation where you started this reset (Latchkey is not installed there). I will follow the request here.",
        });
        const id = await proactive.post(chat, statusActivity(view));
        return { messageId: id, conversation: JSON.stringify(chat) };
      }
    },
    async updateStatus(view) {
      const ref = parseRef<ConversationRef>(view.thread.conversation);
      await proactive.update(ref, view.thread.messageId, statusActivity(view));
    },
    async postMilestones(view, events) {
      const ref = parseRef<ConversationRef>(view.thread.conversation);
      const target = threadConversationId(ref, view.thread.messageId);
      for (const text of milestoneTexts(events)) {
        await proactive.post(ref, { text, textFormat: "markdown" }, target);
      }
    },
  };
}
