// An employee reports one of their own devices lost from the personal chat ("I lost my device"):
// pick a device, confirm, and it is locked at once. The request is followed in their chat and, when
// TEAMS_SECURITY_CONVERSATION is set, by an alert card with the live timeline in that channel.
import type { TurnContext } from "botbuilder";
import { choiceFor, deviceChoices } from "../../../core/reset/device-choices.ts";
import { reportLostDevice } from "../../../core/reset/start-reset.ts";
import type { ThreadTarget } from "../../../core/types.ts";
import { lostConfirmCard, lostFormCard } from "../cards/flow-cards.ts";
import { type Card, messageCard } from "../cards/render.ts";
import { type ConversationRef, refOf } from "../conversation-ref.ts";
import { VERBS } from "../ids.ts";
import { field, type TeamsDeps } from "./deps.ts";

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

export async function lostStep(
  deps: TeamsDeps,
  ctx: TurnContext,
  verb: string,
  data: unknown,
): Promise<Card> {
  const { engine } = deps;
  // Followed in the reporter's own chat: a report from a shared conversation would be followed there.
  if (refOf(ctx.activity).conversationType !== "personal") {
    return messageCard(TITLE, "Report a lost device in your 1:1 chat with Latchkey.");
  }
  const who = await deps.identity.sender(ctx);
  if (!who.ok) return messageCard(TITLE, `⛔ ${who.message}`);
  const deviceId = field(data, "deviceId");
  const device = deviceId ? await engine.stores.directory.device(deviceId) : null;
  if (!device || device.ownerEmail !== who.email) {
    return messageCard(TITLE, "⛔ You can only report your own devices. Ask IT about any other device.");
  }
  if (verb === VERBS.lostConfirm) {
    const choice = await choiceFor(engine, device, "report_lost");
    if (choice.refusal || choice.action === "none") return messageCard(TITLE, `⛔ ${choice.refusal ?? ""}`);
    const key = engine.random.id("tk");
    return lostConfirmCard(device, choice.action, who.email, deps.securityConversation !== null, key);
  }
  const key = field(data, "key");
  if (verb !== VERBS.lostStart || !key)
    return messageCard(TITLE, "That button is no longer valid. Start again.");
  const here = refOf(ctx.activity);
  const threads: ThreadTarget[] = [
    { surface: "teams", purpose: "owner", conversation: JSON.stringify(here) },
  ];
  if (deps.securityConversation) {
    const security: ConversationRef = {
      ...here,
      conversationId: deps.securityConversation,
      conversationType: "channel",
    };
    threads.push({ surface: "teams", purpose: "security", conversation: JSON.stringify(security) });
  }
  const result = await reportLostDevice(engine, {
    actorEmail: who.email,
    deviceId: device.id,
    surface: "teams",
    idempotencyKey: `teams-card:${key}`,
    threads,
  });
  if (result.status === "busy" || result.status === "not_allowed" || result.status === "not_found") {
    return messageCard(TITLE, `⛔ ${result.message}`);
  }
  return messageCard(
    TITLE,
    `🔒 ${device.name} is being locked (request ${result.request.id}). Follow it below.`,
    deps.securityConversation ? "The security team has been alerted." : "",
  );
}
