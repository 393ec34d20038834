// The admin's reset wizard, shared by the message extension's dialog (Action.Submit) and the
// personal chat (Action.Execute): person -> device form (refused devices with their reason, not
// selectable) -> confirmation naming device and owner -> start. The start is keyed by a nonce
// minted with the confirmation card, so Teams' retried submits and double clicks start one reset.
import type { TurnContext } from "botbuilder";
import { choiceFor, deviceChoices } from "../../../core/reset/device-choices.ts";
import { startReset } from "../../../core/reset/start-reset.ts";
import { personFormCard, resetConfirmCard, resetFormCard } from "../cards/flow-cards.ts";
import { type Card, messageCard } from "../cards/render.ts";
import { refOf } from "../conversation-ref.ts";
import { VERBS } from "../ids.ts";
import { field, type TeamsDeps } from "./deps.ts";

export type StepResult = { kind: "card"; card: Card } | { kind: "done"; card: Card; closeWith?: string };

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const card = (c: Card): StepResult => ({ kind: "card", card: c });

export async function resetStep(
  deps: TeamsDeps,
  ctx: TurnContext,
  verb: string,
  data: unknown,
  dialog: boolean,
): Promise<StepResult> {
  const { engine } = deps;
  const who = await deps.identity.sender(ctx);
  if (!who.ok)
    return { kind: "done", card: messageCard("Reset passcode", `⛔ ${who.message}`), closeWith: who.message };
  const owner = field(data, "owner").toLowerCase();

  if (verb === VERBS.resetForm) {
    if (!EMAIL.test(owner)) {
      const problem = owner ? `"${owner}" is not an email address.` : "";
      // The person form is a dialog's (Action.Submit); in chat the command itself names the person.
      if (dialog) return card(personFormCard(owner, problem));
      return card(
        messageCard("Reset passcode", problem, "Say whose device: **reset passcode alice@example.com**"),
      );
    }
    const result = await deviceChoices(engine, {
      actorEmail: who.email,
      ownerEmail: owner,
      surface: "teams",
      purpose: "reset",
    });
    if (result.status === "unknown_person" && dialog) return card(personFormCard(owner, result.message));
    if (result.status !== "ok")
      return {
        kind: "done",
        card: messageCard("Reset passcode", `⛔ ${result.message}`),
        closeWith: result.message,
      };
    return card(resetFormCard(result.owner, result.choices, dialog));
  }

  if (verb === VERBS.resetConfirm) {
    const deviceId = field(data, "deviceId");
    const device = deviceId ? await engine.stores.directory.device(deviceId) : null;
    const person = await engine.stores.directory.person(owner);
    if (!device || !person || device.ownerEmail !== person.email) {
      return resetStep(deps, ctx, VERBS.resetForm, { owner }, dialog);
    }
    // The form may have been open for a while: the device's situation is checked again.
    const choice = await choiceFor(engine, device, "reset");
    if (choice.refusal) {
      const again = await deviceChoices(engine, {
        actorEmail: who.email,
        ownerEmail: owner,
        surface: "teams",
        purpose: "reset",
      });
      if (again.status !== "ok")
        return { kind: "done", card: messageCard("Reset passcode", `⛔ ${choice.refusal}`) };
      return card(resetFormCard(again.owner, again.choices, dialog, `⛔ ${device.name}: ${choice.refusal}`));
    }
    const notify = field(data, "notifyUser") === "true";
    const key = engine.random.id("tk");
    return card(
      resetConfirmCard(device, person, { notify, warnings: choice.capability.warnings, key }, dialog),
    );
  }

  if (verb === VERBS.resetStart) {
    const key = field(data, "key");
    const deviceId = field(data, "deviceId");
    if (!key || !deviceId) return resetStep(deps, ctx, VERBS.resetForm, { owner }, dialog);
    const result = await startReset(engine, {
      actorEmail: who.email,
      deviceId,
      notifyUser: field(data, "notifyUser") === "true",
      surface: "teams",
      idempotencyKey: `teams-card:${key}`,
      threads: [
        { surface: "teams", purpose: "requester", conversation: JSON.stringify(refOf(ctx.activity)) },
      ],
    });
    // Started, refused and duplicate requests are shown by their status card; the rest is said here.
    if (result.status === "busy" || result.status === "not_allowed" || result.status === "not_found") {
      return {
        kind: "done",
        card: messageCard("Reset passcode", `⛔ ${result.message}`),
        closeWith: result.message,
      };
    }
    return {
      kind: "done",
      card: messageCard(
        "Reset passcode",
        `Request ${result.request.id} is under way. Its status card ${dialog ? "is posted in this conversation" : "follows below"}; the new passcode comes to you privately.`,
      ),
    };
  }
  return {
    kind: "done",
    card: messageCard("Reset passcode", "That button is no longer valid. Start again."),
  };
}
