// The Slack side of a followed request: post the status message, reply with milestones in its
// thread, keep the status message current. Calls are paced per channel (chat.postMessage) and
// per app (chat.update) so a burst of resets stays under Slack's rates instead of collecting 429s.
import type { Engine } from "../../core/engine.ts";
import type { ChatTimeline, ThreadView } from "../../core/ports.ts";
import type { SlackIdentity } from "./identity.ts";
import { slackErrorCode } from "./slack-errors.ts";
import type { SlackPoster } from "./slack-poster.ts";
import { esc } from "./text.ts";
import { milestoneMessages, statusMessage } from "./views/status-message.ts";

/** Slack's answers meaning "the bot cannot post in that conversation". */
const CANNOT_POST = new Set(["channel_not_found", "not_in_channel", "is_archived", "restricted_action"]);

export function createSlackTimeline(
  engine: Engine,
  poster: SlackPoster,
  identity: SlackIdentity,
  /** Told after the status message changed (the owner's Home tab shows the device's state). */
  onStatusChanged: (view: ThreadView) => Promise<void> = async () => {},
): ChatTimeline {
  const changed = (view: ThreadView) =>
    onStatusChanged(view).catch((err: unknown) =>
      engine.log.warn(
        { requestId: view.request.id, err: (err as Error).message },
        "Slack Home refresh failed",
      ),
    );
  /** "@U123" stands for "the DM between the bot and U123", opened when first needed. */
  const resolve = (conversation: string) =>
    conversation.startsWith("@") ? poster.openDm(conversation.slice(1)) : Promise.resolve(conversation);

  async function requesterLabel(view: ThreadView): Promise<string> {
    const id = view.requesterChatId ?? null;
    return id ? `<@${id}>` : esc(view.request.requestedBy);
  }

  return {
    surface: "slack",
    async postStatus(view) {
      const message = statusMessage(view, await requesterLabel(view));
      const channel = await resolve(view.thread.conversation);
      try {
        const messageId = await poster.post(channel, message);
        await changed(view);
        return { messageId, conversation: channel };
      } catch (err) {
        const code = slackErrorCode(err);
        if (code && CANNOT_POST.has(code) && view.thread.purpose === "security") {
          // A lost-device alert nobody sees is an incident: say so loudly, with what to do.
          engine.log.error(
            { requestId: view.request.id, channel, code },
            "Lost-device alert could not be posted in SLACK_SECURITY_CHANNEL: invite the bot there (/invite @latchkey) or fix the channel id",
          );
        }
        if (!code || !CANNOT_POST.has(code) || view.thread.purpose !== "requester") throw err;
        // The command ran where the bot cannot post (a private channel it is not in, a DM between
        // two people): follow the request in the admin's DM with the bot instead, and say why.
        const admin = await identity.slackIdOf(view.request.requestedBy);
        if (!admin) throw err;
        const dm = await poster.openDm(admin);
        const text = `I could not post in <#${channel}> (I am not a member there, or cannot post there). Invite me with /invite, or run the command in a channel I am in. I will follow this request here.`;
        await poster.post(dm, { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] });
        return { messageId: await poster.post(dm, message), conversation: dm };
      }
    },
    async updateStatus(view) {
      await poster.update(
        view.thread.conversation,
        view.thread.messageId,
        statusMessage(view, await requesterLabel(view)),
      );
      await changed(view);
    },
    async postMilestones(view, events) {
      for (const message of milestoneMessages(events)) {
        await poster.post(view.thread.conversation, message, view.thread.messageId);
      }
    },
  };
}
