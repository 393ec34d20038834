// Passcodes by proactive 1:1 chat, for requests made in Teams. Teams needs a stored conversation
// reference to reach someone (saved whenever they talk to the bot or install it); without one the
// passcode goes by email only. The reference is the one of the account linked to the person (never
// another account that claims their address). The message's location is returned so the passcode
// can be edited out after the retention time.
import type { Engine } from "../../core/engine.ts";
import { saveContact } from "../../core/people/chat-contacts.ts";
import type { PasscodeSender } from "../../core/ports.ts";
import { passcodeActivity, preparingActivity, redactedActivity } from "./cards/dm-cards.ts";
import { type MessageRef, personalConversation } from "./conversation-ref.ts";
import { contactOf } from "./identity.ts";
import type { Proactive } from "./proactive.ts";

export function createTeamsDmSender(engine: Engine, proactive: Proactive): PasscodeSender {
  return {
    channel: "teams_dm",
    repeatsAs: "into the same direct message, edited in place (no second copy)",
    surface: "teams",
    async reaches(person) {
      return (await contactOf(engine, person.email)) !== null;
    },
    async prepare(letter) {
      const found = await contactOf(engine, letter.recipient.email);
      if (!found) throw new Error(`${letter.recipient.email} has not chatted with Latchkey in Teams yet.`);
      const { contact, ref: p } = found;
      const conversationId = await proactive.openPersonal(p);
      if (!p.conversationId) {
        await saveContact(engine, "teams", {
          ...contact,
          reference: JSON.stringify({ ...p, conversationId }),
        });
      }
      const conversation = personalConversation({ ...p, conversationId });
      const activityId = await proactive.post(conversation, preparingActivity(letter.device));
      const ref: MessageRef = { conversation, activityId };
      return { ref: JSON.stringify(ref) };
    },
    async send(letter, prepared) {
      // Posted first without the passcode and its place stored: putting the passcode in is an edit,
      // safe to repeat, and the message that holds it is the one redaction will edit.
      const target = prepared ?? (await this.prepare?.(letter));
      if (!target) throw new Error("no Teams message to put the passcode in");
      const { conversation, activityId } = JSON.parse(target.ref) as MessageRef;
      await proactive.update(
        conversation,
        activityId,
        passcodeActivity(letter, engine.settings.chatRedactAfterMs),
      );
      return target;
    },
    async redact(ref, note) {
      const { conversation, activityId } = JSON.parse(ref) as MessageRef;
      await proactive.update(conversation, activityId, redactedActivity(note.device, note.sentAt));
    },
  };
}
