// The Teams side of a followed request: post the status card into the conversation, keep it
// current with updateActivity, and reply with milestones in its thread (a channel; a 1:1 or group
// chat has no threads, so milestones follow the card as plain messages). Pacing and retries are
// the connector transport's.
import type { Engine } from "../../core/engine.ts";
import type { ChatTimeline } from "../../core/ports.ts";
import type { ResetRequest } from "../../core/types.ts";
import { escapeMarkdown } from "./cards/markdown.ts";
import { attachment } from "./cards/render.ts";
import { milestoneTexts, type StatusView, statusCard, statusSummary } from "./cards/status-card.ts";
import { ConnectorError } from "./connector-transport.ts";
import {
  type ConversationRef,
  parseRef,
  personalConversation,
  threadConversationId,
} from "./conversation-ref.ts";
import { contactOf } from "./identity.ts";
import type { Proactive } from "./proactive.ts";

/** Who the status card refreshes for by itself: the requester, when Teams knows them. */
export async function refreshUserIds(engine: Engine, request: ResetRequest): Promise<string[]> {
  const found = await contactOf(engine, request.requestedBy);
  return found?.ref.userId ? [found.ref.userId] : [];
}

/** The card everyone in the conversation sees: no Cancel (that is for a per-person refresh). */
async function statusActivity(engine: Engine, view: StatusView) {
  const userIds = await refreshUserIds(engine, view.request);
  return {
    summary: statusSummary(view),
    attachments: [attachment(statusCard(view, { userIds, cancel: false }))],
  };
}

/** Teams' answers meaning "the bot is not in that conversation" (not installed in the team or chat). */
const CANNOT_POST = new Set([403, 404]);

export function createTeamsTimeline(engine: Engine, proactive: Proactive): ChatTimeline {
  async function adminChat(email: string): Promise<ConversationRef | null> {
    const found = await contactOf(engine, email);
    if (!found) return null;
    const conversationId = await proactive.openPersonal(found.ref);
    return personalConversation({ ...found.ref, conversationId });
  }

  return {
    surface: "teams",
    async postStatus(view) {
      const ref = parseRef<ConversationRef>(view.thread.conversation);
      try {
        const id = await proactive.post(ref, await statusActivity(engine, view));
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
        const id = await proactive.post(chat, await statusActivity(engine, view));
        return { messageId: id, conversation: JSON.stringify(chat) };
      }
    },
    async updateStatus(view) {
      const ref = parseRef<ConversationRef>(view.thread.conversation);
      await proactive.update(ref, view.thread.messageId, await statusActivity(engine, view));
    },
    async postMilestones(view, events) {
      const ref = parseRef<ConversationRef>(view.thread.conversation);
      const target = threadConversationId(ref, view.thread.messageId);
      // Milestones are Markdown messages; an event's detail may carry a reason from outside.
      const escaped = events.map((e) => ({ ...e, detail: escapeMarkdown(e.detail) }));
      for (const text of milestoneTexts(escaped)) {
        await proactive.post(ref, { text, textFormat: "markdown" }, target);
      }
    },
  };
}
