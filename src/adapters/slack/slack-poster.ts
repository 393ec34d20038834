// The one place Latchkey posts and edits Slack messages outside an ack: paced per channel
// (chat.postMessage) and per app (chat.update), with DMs opened on demand.
import type { webApi } from "@slack/bolt";
import type { ChatApiObserver } from "../metrics/metrics.ts";
import type { RateGate } from "./rate-gate.ts";
import { slackErrorCode } from "./slack-errors.ts";

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
  /** Edits a message; `urgent` (a passcode going into its DM) goes ahead of other edits. */
  update(channel: string, ts: string, message: OutgoingMessage, urgent?: boolean): Promise<void>;
  /** The DM channel between the bot and a user. */
  openDm(userId: string): Promise<string>;
}

/** A short, bounded label for a failed Web API call (Slack's error code, or what went wrong). */
export function slackFailureCode(err: unknown): string {
  const code = slackErrorCode(err);
  if (code) return code;
  const e = err as { code?: unknown; statusCode?: unknown } | null;
  if (e?.code === "slack_webapi_request_error") return "network";
  if (e?.code === "slack_webapi_http_error") return `http_${String(e.statusCode)}`;
  if (e?.code === "slack_webapi_rate_limited_error") return "ratelimited";
  return "error";
}

/** Reports each call's final failure to `observer` (metrics), then rethrows it unchanged. */
async function counted<T>(
  observer: ChatApiObserver | undefined,
  method: string,
  call: Promise<T>,
): Promise<T> {
  try {
    return await call;
  } catch (err) {
    observer?.failed(method, slackFailureCode(err));
    throw err;
  }
}

export function createSlackPoster(
  client: webApi.WebClient,
  gates: SlackGates,
  observer?: ChatApiObserver,
): SlackPoster {
  return {
    async post(channel, message, threadTs) {
      await gates.post.wait(channel);
      const res = await counted(
        observer,
        "chat.postMessage",
        client.chat.postMessage({
          channel,
          text: message.text,
          blocks: message.blocks as never,
          unfurl_links: false,
          unfurl_media: false,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        }),
      );
      if (!res.ts) throw new Error("Slack did not return a message timestamp.");
      return res.ts;
    },
    async update(channel, ts, message, urgent = false) {
      await gates.update.wait("chat.update", urgent);
      await counted(
        observer,
        "chat.update",
        client.chat.update({ channel, ts, text: message.text, blocks: message.blocks as never }),
      );
    },
    async openDm(userId) {
      const opened = await counted(
        observer,
        "conversations.open",
        client.conversations.open({ users: userId }),
      );
      const id = opened.channel?.id;
      if (!id) throw new Error("Slack did not open a direct message.");
      return id;
    },
  };
}
