// What every Slack handler needs, built once by the adapter; and the one place that turns an
// unexpected error into words for the person who clicked (never a stack or a raw Slack code).
import type { webApi } from "@slack/bolt";
import type { Engine } from "../../../core/engine.ts";
import type { WorkLimiter } from "../../work-limiter.ts";
import type { SlackIdentity } from "../identity.ts";

export interface SlackDeps {
  engine: Engine;
  client: webApi.WebClient;
  /**
   * The background client (threads, DMs, Home tabs): calls no trigger waits for. A 429 pauses a
   * client's whole queue, so nothing here may hold up the interactive client's views.open.
   */
  background: webApi.WebClient;
  identity: SlackIdentity;
  securityChannel: string | null;
  /** Bounds the reset forms being built after their commands' acknowledgements. */
  forms: WorkLimiter;
}

/** Tells one user something privately: an ephemeral in the channel when there is one, else a DM. */
export async function tell(deps: SlackDeps, to: { userId: string; channelId?: string | null }, text: string) {
  const blocks = [{ type: "section", text: { type: "mrkdwn", text: text.slice(0, 3000) } }];
  if (to.channelId && !to.channelId.startsWith("D")) {
    try {
      await deps.client.chat.postEphemeral({ channel: to.channelId, user: to.userId, text, blocks });
      return;
    } catch {
      // Not in that channel: fall through to a DM, which always arrives.
    }
  }
  const dm = await deps.client.conversations.open({ users: to.userId });
  if (dm.channel?.id) await deps.client.chat.postMessage({ channel: dm.channel.id, text, blocks });
}

/** Runs a handler's work after its ack; an unexpected failure is logged with a reference the user is given. */
export async function guarded(
  deps: SlackDeps,
  what: string,
  work: () => Promise<void>,
  onFailure: (text: string) => Promise<unknown>,
): Promise<void> {
  try {
    await work();
  } catch (err) {
    const ref = deps.engine.random.id("err");
    deps.engine.log.error(
      { ref, what, err: err instanceof Error ? err.message : String(err) },
      "Slack handler failed",
    );
    await onFailure(
      `Something went wrong in Latchkey (reference \`${ref}\`). Check \`/reset-passcode status\` before trying again.`,
    ).catch((e: unknown) =>
      deps.engine.log.warn(
        { ref, err: e instanceof Error ? e.message : String(e) },
        "could not report the failure",
      ),
    );
  }
}

/** How a channel is named inside a modal. */
export function channelLabel(channelId: string): string {
  return channelId.startsWith("D") ? "this conversation" : `<#${channelId}>`;
}
