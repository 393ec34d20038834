// An employee reports one of their own devices lost from the personal chat: "I lost my device"
// (pick a device, confirm) or "My devices" (a "Report lost" button per device, straight to the
// confirmation). The device is locked at once. The request is followed in their chat and, when
// TEAMS_SECURITY_CONVERSATION is set, by an alert card with the live timeline in that channel.

import type { TurnContext } from "botbuilder";
import { lostConfirmStep } from "../../../core/reset/confirm-step.ts";
import { deviceChoices } from "../../../core/reset/device-choices.ts";
import { homeScreen } from "../../../core/reset/home-screen.ts";
import { reportLostDevice } from "../../../core/reset/start-reset.ts";
import type { ThreadTarget } from "../../../core/types.ts";
import { myDevicesCard } from "../cards/details-card.ts";
import { lostConfirmCard, lostFormCard } from "../cards/flow-cards.ts";
import { type Card, messageCard } from "../cards/render.ts";
import { isPersonal, refOf } from "../conversation-ref.ts";
import { VERBS } from "../ids.ts";
import { type Confirmation, confirmationHolds, sealConfirmation } from "./confirm-seal.ts";
import { answerWithin, field, type TeamsDeps } from "./deps.ts";

const TITLE = "Report a lost device";

export async function lostForm(deps: TeamsDeps, ctx: TurnContext): Promise<Card> {
  const who = await deps.identity.sender(ctx);
  if (!who.ok) return messageCard(TITLE, `⛔ ${who.message}`);
  const result = await deviceChoices(deps.engine, {
    actorEmail: who.email,
    ownerEmail: who.email,
    surface: "teams",
    purpose: "report_lost",
  });
  if (result.status !== "ok") return messageCard(TITLE, `⛔ ${result.message}`);
  return lostFormCard(result.choices);
}

/** "My devices": the sender's own devices, each with its state and a "Report lost" button. */
export async function myDevices(deps: TeamsDeps, ctx: TurnContext): Promise<Card> {
  const who = await deps.identity.sender(ctx);
  if (!who.ok) return messageCard("My devices", `⛔ ${who.message}`);
  const screen = await homeScreen(deps.engine, who.email, 0);
  if (screen.status === "not_in_inventory") {
    return messageCard(
      "My devices",
      `You are not in Latchkey's inventory (${screen.email}). Ask IT to add you, then say **my devices** again.`,
    );
  }
  return myDevicesCard(screen.devices);
}

export async function lostStep(
  deps: TeamsDeps,
  ctx: TurnContext,
  verb: string,
  data: unknown,
): Promise<Card> {
  const { engine } = deps;
  // Followed in the reporter's own chat: a report from a shared conversation would be followed there.
  if (!isPersonal(ctx.activity, deps.local)) {
    return messageCard(TITLE, "Report a lost device in your 1:1 chat with Latchkey.");
  }
  const who = await deps.identity.sender(ctx);
  if (!who.ok) return messageCard(TITLE, `⛔ ${who.message}`);
  const step = await lostConfirmStep(engine, {
    actorEmail: who.email,
    deviceId: field(data, "deviceId") ?? "",
    surface: "teams",
    elsewhere: "Use **reset passcode** for someone else's device.",
  });
  if (step.status !== "ok") return messageCard(TITLE, `⛔ ${step.message}`);
  const { device, choice } = step;
  const shown: Confirmation = {
    kind: "report_lost",
    actorEmail: who.email,
    nonce: field(data, "nonce"),
    deviceId: device.id,
    owner: device.ownerEmail,
    notify: true,
  };
  if (verb === VERBS.lostConfirm && choice.action !== "none") {
    const nonce = engine.random.id("tk");
    const seal = sealConfirmation(engine, { ...shown, nonce });
    return lostConfirmCard(device, choice.action, who.email, deps.security.id !== null, { nonce, seal });
  }
  if (verb !== VERBS.lostStart || !confirmationHolds(engine, shown, field(data, "seal"))) {
    return messageCard(TITLE, "That button is no longer valid. Start again.");
  }
  const here = refOf(ctx.activity);
  const threads: ThreadTarget[] = [
    { surface: "teams", purpose: "owner", conversation: JSON.stringify(here) },
  ];
  const security = await deps.security.target(here);
  if (security)
    threads.push({ surface: "teams", purpose: "security", conversation: JSON.stringify(security) });
  const result = await answerWithin(
    deps,
    "report lost device",
    reportLostDevice(engine, {
      actorEmail: who.email,
      deviceId: device.id,
      surface: "teams",
      idempotencyKey: `teams-card:${shown.nonce}`,
      threads,
    }),
  );
  if (
    result &&
    (result.status === "busy" || result.status === "not_allowed" || result.status === "not_found")
  ) {
    return messageCard(TITLE, `⛔ ${result.message}`);
  }
  return messageCard(
    TITLE,
    `🔒 ${device.name} is being locked${result ? ` (request ${result.request.id})` : ""}. Follow it below.`,
    security ? "The security team has been alerted." : "",
  );
}
