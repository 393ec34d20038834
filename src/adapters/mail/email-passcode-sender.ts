// The email channel for passcodes: renders the letter and hands it to the mail transport.
import type { PasscodeSender } from "../../core/ports.ts";
import type { MailTransport } from "./mail-transport.ts";
import { renderPasscodeEmail } from "./passcode-email.ts";

export function createEmailPasscodeSender(
  transport: MailTransport,
  opts: { publicUrl: string },
): PasscodeSender {
  return {
    channel: "email",
    reaches: async (person) => person.email.trim() !== "",
    async send(letter) {
      await transport.send({ to: letter.recipient.email, ...renderPasscodeEmail(letter, opts) });
      // A sent email cannot be edited afterwards: nothing to redact later.
      return undefined;
    },
  };
}
