// The one place Latchkey posts and edits Slack messages outside an ack: paced per channel
// (chat.postMessage) and per app (chat.update), with DMs opened on demand.
import type { webApi } from "@slack/bolt";
import type { RateGate } from "./rate-gate.ts";

export interface SlackGates {
  /** Per channel, for chat.postMessage. */
  post: RateGate;
  /** Per app, for chat.update. */
  update: RateGate;
}

export interface OutgoingMessage {
  text: string;
  blocks: unknown[];
}

export interface SlackPoster {
  /** Posts a message (a thread reply with `threadTs`); returns its ts. */
  post(channel: string, message: OutgoingMessage, threadTs?: string): Promise<string>;
  update(channel: string, ts: string, message: OutgoingMessage): Promise<void>;
  /** The DM channel between the bot and a user. */
  openDm(userId: string): Promise<string>;
}

export function createSlackPoster(client: webApi.WebClient, gates: SlackGates): SlackPoster {
  return {
    async post(channel, message, threadTs) {
      await gates.post.wait(channel);
      const res = await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks as never,
        unfurl_links: false,
        unfurl_media: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      if (!res.ts) throw new Error("Slack did not return a message timestamp.");
      return res.ts;
    },
    async update(channel, ts, message) {
      await gates.update.wait("chat.update");
      await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks as never });
    },
    async openDm(userId) {
      const opened = await client.conversations.open({ users: userId });
      const id = opened.channel?.id;
      if (!id) throw new Error("Slack did not open a direct message.");
      return id;
    },
  };
}
