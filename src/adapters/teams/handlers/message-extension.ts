// The "Reset passcode" action command: composeExtension/fetchTask opens the dialog (person
// pre-filled from the message's author when launched from a message's "..." menu), and each
// composeExtension/submitAction answers with the next step, or ends the dialog with a message once
// the reset has started; its status card is then posted into the conversation by the thread follower.

import type { MessagingExtensionAction, MessagingExtensionActionResponse, TurnContext } from "botbuilder";
import { mayLookUpOwners } from "../../../core/reset/find-owner.ts";
import { personFormCard } from "../cards/flow-cards.ts";
import { attachment, type Card, messageCard } from "../cards/render.ts";
import { RESET_COMMAND_ID, VERBS } from "../ids.ts";
import { field, guarded, type TeamsDeps } from "./deps.ts";
import { resetStep } from "./reset-flow.ts";

const TITLE = "Reset passcode";
const STARTED =
  "The reset has started: its status card is posted in this conversation, and the new passcode comes to you privately.";

function dialog(card: Card): MessagingExtensionActionResponse {
  return {
    task: {
      type: "continue",
      value: { title: TITLE, height: "medium", width: "medium", card: attachment(card) },
    },
  };
}

export async function fetchTask(
  deps: TeamsDeps,
  ctx: TurnContext,
  action: MessagingExtensionAction,
): Promise<MessagingExtensionActionResponse> {
  if (action.commandId !== RESET_COMMAND_ID) return dialog(messageCard(TITLE, "Unknown command."));
  const card = await guarded(deps, "fetch task", async () => {
    const user = action.messagePayload?.from?.user;
    if (!user?.id) return personFormCard();
    const who = await deps.identity.sender(ctx);
    if (!who.ok) return messageCard(TITLE, `⛔ ${who.message}`);
    // Refused (and audited) before the author is looked up: an employee learns nothing about them.
    const gate = await mayLookUpOwners(deps.engine, {
      actorEmail: who.email,
      ownerHint: `teams:${user.id}`,
      surface: "teams",
    });
    if (!gate.allowed) return messageCard(TITLE, `⛔ ${gate.message}`);
    // Teams names a message's author by AAD object id in the message payload.
    const author = await deps.identity.member(ctx, user.id, user.id);
    if (!author.ok) return personFormCard("", `The message's author: ${author.message}`);
    return (await resetStep(deps, ctx, VERBS.resetForm, { owner: author.email }, true)).card;
  });
  return dialog(card);
}

export async function submitAction(
  deps: TeamsDeps,
  ctx: TurnContext,
  action: MessagingExtensionAction,
): Promise<MessagingExtensionActionResponse> {
  if (action.commandId !== RESET_COMMAND_ID) return {};
  let closeWith: string | undefined;
  let done = false;
  const card = await guarded(deps, "submit action", async () => {
    const step = await resetStep(deps, ctx, field(action.data, "verb") || VERBS.resetForm, action.data, true);
    if (step.kind === "done") {
      done = true;
      closeWith = step.closeWith;
    }
    return step.card;
  });
  if (!done) return dialog(card);
  // Ended: a message box says how (started, or why not), then the dialog closes. Not an empty
  // answer: Teams would close the dialog silently, but Microsoft's Agents Playground calls it an
  // invalid response and leaves an empty dialog open.
  return { task: { type: "message", value: closeWith ?? STARTED } };
}
