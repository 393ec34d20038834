// Passcodes by Slack DM (conversations.open, scope im:write), for requests made in Slack. The
// message's location is returned so the passcode can be edited out after the retention time.
import type { webApi } from "@slack/bolt";
import type { Engine } from "../../core/engine.ts";
import type { PasscodeSender } from "../../core/ports.ts";
import type { SlackIdentity } from "./identity.ts";
import type { RateGate } from "./rate-gate.ts";
import { passcodeDm, redactedDm } from "./views/dm-messages.ts";

interface DmRef {
  c: string;
  ts: string;
}

export function createSlackDmSender(
  engine: Engine,
  client: webApi.WebClient,
  identity: SlackIdentity,
  gates: { post: RateGate; update: RateGate },
): PasscodeSender {
  return {
    channel: "slack_dm",
    surface: "slack",
    async reaches(person) {
      try {
        return (await identity.slackIdOf(person.email)) !== null;
      } catch (err) {
        // Slack unreachable right now: plan the DM anyway; sending retries and, failing that, says so.
        engine.log.warn({ err: (err as Error).message }, "Slack user lookup failed; planning the DM anyway");
        return true;
      }
    },
    async send(letter) {
      const userId = await identity.slackIdOf(letter.recipient.email);
      if (!userId) throw new Error(`${letter.recipient.email} has no Slack account in this workspace.`);
      const opened = await client.conversations.open({ users: userId });
      const channel = opened.channel?.id;
      if (!channel) throw new Error("Slack did not open a direct message.");
      const message = passcodeDm(letter, engine.settings.chatRedactAfterMs);
      await gates.post.wait(channel);
      const res = await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks as never,
        unfurl_links: false,
      });
      if (!res.ts) throw new Error("Slack did not return a message timestamp.");
      const ref: DmRef = { c: channel, ts: res.ts };
      return { ref: JSON.stringify(ref) };
    },
    async redact(ref, note) {
      const { c, ts } = JSON.parse(ref) as DmRef;
      const message = redactedDm(note.device, note.sentAt);
      await gates.update.wait("chat.update");
      await client.chat.update({ channel: c, ts, text: message.text, blocks: message.blocks as never });
    },
  };
}
