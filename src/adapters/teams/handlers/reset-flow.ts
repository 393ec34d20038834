// The admin's reset wizard, shared by the message extension's dialog (Action.Submit) and the
// personal chat (Action.Execute): person -> device form (refused devices with their reason, not
// selectable) -> confirmation naming device and owner -> start. Each step is authorized by the
// core (and refusals audited): an employee never sees a confirmation for someone else's device.
// The confirmation is sealed (confirm-seal.ts) and its nonce keys the start, so Teams' retried
// submits and double clicks start one reset, and a crafted submit cannot change what was shown.

import type { TurnContext } from "botbuilder";
import { emailProblem, MAX_EMAIL_LENGTH } from "../../../core/addresses.ts";
import { resetConfirmStep } from "../../../core/reset/confirm-step.ts";
import { deviceChoices } from "../../../core/reset/device-choices.ts";
import { startReset } from "../../../core/reset/start-reset.ts";
import { personFormCard, resetConfirmCard, resetFormCard } from "../cards/flow-cards.ts";
import { type Card, messageCard } from "../cards/render.ts";
import { refOf } from "../conversation-ref.ts";
import { VERBS } from "../ids.ts";
import { type Confirmation, confirmationHolds, sealConfirmation } from "./confirm-seal.ts";
import { answerWithin, field, type TeamsDeps } from "./deps.ts";

export type StepResult = { kind: "card"; card: Card } | { kind: "done"; card: Card; closeWith?: string };

const TITLE = "Reset passcode";
const card = (c: Card): StepResult => ({ kind: "card", card: c });
/** The dialog closes and says why (in chat, the card says it). */
const stop = (message: string): StepResult => ({
  kind: "done",
  card: messageCard(TITLE, `⛔ ${message}`),
  closeWith: message,
});

export async function resetStep(
  deps: TeamsDeps,
  ctx: TurnContext,
  verb: string,
  data: unknown,
  dialog: boolean,
): Promise<StepResult> {
  const who = await deps.identity.sender(ctx);
  if (!who.ok) return stop(who.message);
  const owner = field(data, "owner").toLowerCase();
  if (verb === VERBS.resetForm) return form(deps, who.email, owner, dialog);
  if (verb === VERBS.resetConfirm) return confirm(deps, who.email, owner, data, dialog);
  if (verb === VERBS.resetStart) return start(deps, ctx, who.email, owner, data, dialog);
  // Shown, not "done": a dialog that closes on `done` without a message would leave the person with nothing.
  return card(messageCard(TITLE, "That button is no longer valid. Start again."));
}

async function form(
  deps: TeamsDeps,
  actorEmail: string,
  owner: string,
  dialog: boolean,
): Promise<StepResult> {
  // Read in linear time and refused when too long (core/addresses.ts): any tenant member can submit
  // anything here, before anything is authorized. Too long is not quoted back, nor put in the form.
  const invalid = emailProblem(owner);
  if (invalid) {
    const tooLong = invalid === "too_long";
    const problem = tooLong
      ? `That is longer than ${MAX_EMAIL_LENGTH} characters, so it is not an email address.`
      : owner
        ? `"${owner}" is not an email address.`
        : "";
    // The person form is a dialog's (Action.Submit); in chat the command itself names the person.
    if (dialog) return card(personFormCard(tooLong ? "" : owner, problem));
    return card(messageCard(TITLE, problem, "Say whose device: **reset passcode alice@example.com**"));
  }
  // Authorized (and a refusal audited) before the person is looked up.
  const result = await deviceChoices(deps.engine, {
    actorEmail,
    ownerEmail: owner,
    surface: "teams",
    purpose: "reset",
  });
  if (result.status === "unknown_person" && dialog) return card(personFormCard(owner, result.message));
  if (result.status !== "ok") return stop(result.message);
  return card(resetFormCard(result.owner, result.choices, dialog));
}

async function confirm(
  deps: TeamsDeps,
  actorEmail: string,
  owner: string,
  data: unknown,
  dialog: boolean,
): Promise<StepResult> {
  const { engine } = deps;
  const deviceId = field(data, "deviceId");
  // The form may have been open for a while: the device's situation is checked again.
  const step = deviceId
    ? await resetConfirmStep(engine, { actorEmail, deviceId, ownerEmail: owner, surface: "teams" })
    : null;
  // An unknown device, or one that is not this person's: the form again (itself authorized).
  if (!step || step.status === "gone") return form(deps, actorEmail, owner, dialog);
  if (step.status === "not_allowed") return stop(step.message);
  if (step.status === "refused") {
    const again = await deviceChoices(engine, {
      actorEmail,
      ownerEmail: owner,
      surface: "teams",
      purpose: "reset",
    });
    if (again.status !== "ok") return stop(step.message);
    return card(resetFormCard(again.owner, again.choices, dialog, `⛔ ${step.device.name}: ${step.message}`));
  }
  const { device, owner: person, choice } = step;
  const shown: Confirmation = {
    kind: "reset",
    actorEmail,
    nonce: engine.random.id("tk"),
    deviceId: device.id,
    owner: person.email,
    notify: field(data, "notifyUser") === "true",
  };
  return card(
    resetConfirmCard(
      device,
      person,
      {
        notify: shown.notify,
        warnings: choice.capability.warnings,
        steps: choice.steps,
        nonce: shown.nonce,
        seal: sealConfirmation(engine, shown),
      },
      dialog,
    ),
  );
}

async function start(
  deps: TeamsDeps,
  ctx: TurnContext,
  actorEmail: string,
  owner: string,
  data: unknown,
  dialog: boolean,
): Promise<StepResult> {
  const { engine } = deps;
  const shown: Confirmation = {
    kind: "reset",
    actorEmail,
    nonce: field(data, "nonce"),
    deviceId: field(data, "deviceId"),
    owner,
    notify: field(data, "notifyUser") === "true",
  };
  if (!confirmationHolds(engine, shown, field(data, "seal"))) {
    engine.log.warn({ component: "teams", actorEmail }, "a reset confirmation did not match its seal");
    return stop("That confirmation is not valid (it was changed or has expired). Start again.");
  }
  const starting = startReset(engine, {
    actorEmail,
    deviceId: shown.deviceId,
    notifyUser: shown.notify,
    surface: "teams",
    idempotencyKey: `teams-card:${shown.nonce}`,
    expectedOwner: shown.owner,
    threads: [{ surface: "teams", purpose: "requester", conversation: JSON.stringify(refOf(ctx.activity)) }],
  });
  const result = await answerWithin(deps, "start reset", starting);
  const where = dialog ? "is posted in this conversation" : "follows below";
  if (!result) {
    // Still sending to the device: answer now, before Teams retries the submit; the card follows.
    return {
      kind: "done",
      card: messageCard(TITLE, `The reset you confirmed is under way. Its status card ${where}.`),
      closeWith: `The reset you confirmed is under way: its status card ${where}.`,
    };
  }
  // Started, refused and duplicate requests are shown by their status card; the rest is said here.
  if (result.status === "busy" || result.status === "not_allowed" || result.status === "not_found") {
    return stop(result.message);
  }
  return {
    kind: "done",
    card: messageCard(
      TITLE,
      `Request ${result.request.id} is under way. Its status card ${where}; the new passcode comes to you privately.`,
    ),
    closeWith: `Request ${result.request.id} is under way: its status card ${where}; the new passcode comes to you privately.`,
  };
}
