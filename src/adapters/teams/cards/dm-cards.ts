// The passcode message and what it becomes once the passcode is removed. The notification text
// (summary: what a toast or the chat list shows) never holds the passcode; only the card does.
// Both are edits of the message first posted (text only): an edit must be one message, so it has
// a summary and one card, and no text (Teams refuses text plus a card in an update with
// "Activity resulted into multiple skype activities").

import { duration } from "../../../core/duration.ts";
import { platformLabel } from "../../../core/labels.ts";
import type { PasscodeLetter } from "../../../core/ports.ts";
import type { Device } from "../../../core/types.ts";
import { cardDate } from "./card-time.ts";
import { attachment, messageCard, render } from "./render.ts";

export function passcodeActivity(letter: PasscodeLetter, removeAfterMs: number) {
  const { device, request, passcode, requester } = letter;
  const self = requester.email === letter.recipient.email;
  const intro = letter.caveat
    ? `**${device.name}** (${platformLabel(device)}, owner ${device.ownerEmail}): ${letter.caveat}`
    : !letter.toDeviceUser
      ? `The passcode of **${device.name}** (${platformLabel(device)}, owner ${device.ownerEmail}) was reset and the device is locked.`
      : self
        ? `As you asked, your **${device.name}** is locked with a new passcode.`
        : `${requester.name} (IT) reset the passcode of your **${device.name}** and locked it.`;
  const notice = `Latchkey: the new passcode for ${device.name} is ready. Open this chat to see it.`;
  return {
    summary: notice,
    attachments: [
      attachment(
        render("passcode", {
          intro,
          passcode,
          advice: letter.toDeviceUser
            ? "Unlock the device with it, then set a passcode of your own."
            : "Share it only with the device's user, in person or by phone. Never paste it into a channel.",
          footer: `Request ${request.id} · this passcode is removed from this message after ${duration(removeAfterMs)}`,
        }),
      ),
    ],
  };
}

/** Posted first, so the message that will hold the passcode is known before the passcode is in it. */
export function preparingActivity(device: Device) {
  const text = `Latchkey: a new passcode for ${device.name} is on its way.`;
  return { summary: text, text };
}

export function redactedActivity(device: Device | null, sentAt: Date) {
  const name = device ? `${device.name} (${platformLabel(device)})` : "a device";
  const when = cardDate(sentAt);
  const text = `Latchkey: a passcode for ${name} was sent here; it has been removed.`;
  return {
    summary: text,
    attachments: [
      attachment(
        messageCard(
          "Passcode removed",
          `🧹 A new passcode for **${name}** was sent here at ${when}. It has been removed from this message. If you still need it, ask IT to reset the device again.`,
        ),
      ),
    ],
  };
}
