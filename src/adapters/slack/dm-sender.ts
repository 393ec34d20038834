// Passcodes by Slack DM (conversations.open, scope im:write), for requests made in Slack. The
// message's location is returned so the passcode can be edited out after the retention time.
import type { Engine } from "../../core/engine.ts";
import { type PasscodeSender, PermanentDeliveryError } from "../../core/ports.ts";
import type { SlackIdentity } from "./identity.ts";
import { plainly } from "./slack-errors.ts";
import type { SlackPoster } from "./slack-poster.ts";
import { passcodeDm, preparingDm, redactedDm } from "./views/dm-messages.ts";

interface DmRef {
  c: string;
  ts: string;
}

export function createSlackDmSender(
  engine: Engine,
  poster: SlackPoster,
  identity: SlackIdentity,
): PasscodeSender {
  return {
    channel: "slack_dm",
    repeatsAs: "into the same direct message, edited in place (no second copy)",
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
    prepare: (letter) =>
      plainly(async () => {
        const userId = await identity.slackIdOf(letter.recipient.email);
        if (!userId) {
          throw new PermanentDeliveryError(
            `${letter.recipient.email} has no Slack account in this workspace.`,
          );
        }
        const channel = await poster.openDm(userId);
        const ts = await poster.post(channel, preparingDm(letter.device));
        const ref: DmRef = { c: channel, ts };
        return { ref: JSON.stringify(ref) };
      }),
    async send(letter, prepared) {
      // The message was posted without the passcode and its place stored: an edit is safe to repeat.
      const target = prepared ?? (await this.prepare?.(letter));
      if (!target) throw new Error("no Slack message to put the passcode in");
      const { c, ts } = JSON.parse(target.ref) as DmRef;
      await plainly(() => poster.update(c, ts, passcodeDm(letter, engine.settings.chatRedactAfterMs), true));
      return target;
    },
    async redact(ref, note) {
      const { c, ts } = JSON.parse(ref) as DmRef;
      await plainly(() => poster.update(c, ts, redactedDm(note.device, note.sentAt)));
    },
  };
}
