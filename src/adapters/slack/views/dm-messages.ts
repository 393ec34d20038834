// The passcode DM and what it becomes once the passcode is removed. The notification text (what
// a lock screen or a desktop banner shows) never holds the passcode: only the message body does.

import { duration } from "../../../core/duration.ts";
import type { PasscodeLetter } from "../../../core/ports.ts";
import type { Device } from "../../../core/types.ts";
import { context, esc, header, platformLabel, section, slackDate } from "../text.ts";
import type { SlackMessage } from "./status-message.ts";

export function passcodeDm(letter: PasscodeLetter, removeAfterMs: number): SlackMessage {
  const { device, request, passcode, requester } = letter;
  const self = requester.email === letter.recipient.email;
  const intro = letter.caveat
    ? `*${esc(device.name)}* (${esc(platformLabel(device))}, owner ${esc(device.ownerEmail)}): ${esc(letter.caveat)}`
    : !letter.toDeviceUser
      ? `The passcode of *${esc(device.name)}* (${esc(platformLabel(device))}, owner ${esc(device.ownerEmail)}) was reset and the device is locked.`
      : self
        ? `As you asked, your *${esc(device.name)}* is locked with a new passcode.`
        : `${esc(requester.name)} (IT) reset the passcode of your *${esc(device.name)}* and locked it.`;
  return {
    text: `Latchkey: the new passcode for ${device.name} is ready. Open this message to see it.`,
    blocks: [
      header("New device passcode"),
      section(intro),
      section(`*New passcode:* \`${passcode}\``),
      section(
        letter.toDeviceUser
          ? "Unlock the device with it, then set a passcode of your own."
          : "Share it only with the device's user, in person or by phone. Never paste it into a channel.",
      ),
      context(
        `Request \`${request.id}\` · this passcode is removed from this message after ${duration(removeAfterMs)}`,
      ),
    ],
  };
}

/** Posted first, so the message that will hold the passcode is known before the passcode is in it. */
export function preparingDm(device: Device): SlackMessage {
  return {
    text: `Latchkey: a new passcode for ${device.name} is on its way.`,
    blocks: [section(`:hourglass_flowing_sand: A new passcode for *${esc(device.name)}* is on its way…`)],
  };
}

export function redactedDm(device: Device | null, sentAt: Date): SlackMessage {
  const name = device?.name ?? "a device";
  return {
    text: `Latchkey: a passcode for ${name} was sent here; it has been removed.`,
    blocks: [
      section(
        `:broom: A new passcode for *${esc(name)}* was sent here ${slackDate(sentAt)}. It has been removed from this message. If you still need it, ask IT to reset the device again.`,
      ),
    ],
  };
}
