// The email channel for passcodes: renders the letter and hands it to the mail transport.
import { createHash } from "node:crypto";
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
    repeatsAs: "as the same email (the same Message-ID, which mail services that drop duplicates show once)",
    async send(letter) {
      await transport.send({
        to: letter.recipient.email,
        // One Message-ID per request and recipient: every attempt sends the same message, so a
        // copy sent again after an attempt whose outcome was lost is recognisably a duplicate.
        messageKey: `${letter.request.id}.${createHash("sha256").update(letter.recipient.email.toLowerCase()).digest("hex").slice(0, 16)}`,
        ...renderPasscodeEmail(letter, opts),
      });
      // A sent email cannot be edited afterwards: nothing to redact later.
      return undefined;
    },
  };
}
