// Action.Execute (adaptiveCard/action): the status card's Cancel, Refresh and Approve / Reject (two-
// person rule; the core decides who may, and audits refusals), "Report lost" on My
// devices, and the chat wizards' steps. The answer is a card shown in place to whoever clicked
// (Teams' user-specific view). Viewing a request is authorized and audited by the core
// (requestDetails); the thread's purpose comes from the stored thread, never from card data; Cancel
// is shown only to someone who may cancel.
import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from "botbuilder";
import { approveReset, rejectReset } from "../../../core/reset/approve-reset.ts";
import { cancelReset } from "../../../core/reset/cancel-reset.ts";
import { statusScreen } from "../../../core/reset/status-screen.ts";
import type { ChatThread } from "../../../core/types.ts";
import { ADAPTIVE_CARD, type Card, messageCard } from "../cards/render.ts";
import { APPROVAL_VERBS, statusCard } from "../cards/status-card.ts";
import { type ConversationRef, parseRef, refOf } from "../conversation-ref.ts";
import { VERBS } from "../ids.ts";
import { refreshUserIds } from "../teams-timeline.ts";
import { field, guarded, type TeamsDeps } from "./deps.ts";
import { lostStep } from "./lost-device.ts";
import { resetStep } from "./reset-flow.ts";

export async function onCardAction(
  deps: TeamsDeps,
  ctx: TurnContext,
  value: AdaptiveCardInvokeValue,
): Promise<AdaptiveCardInvokeResponse> {
  const verb = value.action.verb ?? "";
  const data = value.action.data;
  let note: string | null = null;
  const card = await guarded(deps, `card ${verb}`, async () => {
    if (verb.startsWith("reset.")) return (await resetStep(deps, ctx, verb, data, false)).card;
    if (verb.startsWith("lost.")) return lostStep(deps, ctx, verb, data);
    const approval = verb === APPROVAL_VERBS.approve || verb === APPROVAL_VERBS.reject;
    if (verb !== VERBS.cancelRequest && verb !== VERBS.refreshRequest && !approval) {
      return messageCard("Latchkey", "That button is no longer valid.");
    }
    const who = await deps.identity.sender(ctx);
    if (!who.ok) return messageCard("Request", `⛔ ${who.message}`);
    const requestId = field(data, "requestId");
    if (verb === VERBS.cancelRequest) {
      const r = await cancelReset(deps.engine, { actorEmail: who.email, requestId, surface: "teams" });
      // A refused cancel is said to the clicker alone; the card stays as it is.
      if (r.status !== "cancelled") {
        note = r.message;
        return messageCard("Request", r.message);
      }
    }
    if (approval) {
      // The two-person rule: the core decides and audits; a refusal is said to the clicker alone.
      const input = { actorEmail: who.email, requestId, surface: "teams" as const };
      const r =
        verb === APPROVAL_VERBS.approve
          ? await approveReset(deps.engine, input)
          : await rejectReset(deps.engine, { ...input, reason: field(data, "reason") });
      if ("message" in r) {
        note = r.message;
        return messageCard("Request", r.message);
      }
    }
    return statusFor(deps, ctx, who.email, requestId);
  });
  if (note)
    return { statusCode: 200, type: "application/vnd.microsoft.activity.message", value: note as never };
  return { statusCode: 200, type: ADAPTIVE_CARD, value: card as never };
}

/** The status card as the request stands now, for one viewer (authorized and audited by the core). */
async function statusFor(deps: TeamsDeps, ctx: TurnContext, email: string, requestId: string): Promise<Card> {
  const { engine } = deps;
  const screen = await statusScreen(engine, {
    actorEmail: email,
    requestId,
    surface: "teams",
    here: (threads) => threadHere(threads, ctx),
  });
  if (screen.status !== "ok") return messageCard("Request", `⛔ ${screen.message}`);
  return statusCard(screen.view, {
    userIds: await refreshUserIds(engine, screen.view.request),
    ...screen.offers,
  });
}

/** The thread whose card was clicked: by its message id, else by its conversation. */
function threadHere(threads: ChatThread[], ctx: TurnContext): ChatThread | undefined {
  const conversation = refOf(ctx.activity).conversationId;
  const replyTo = ctx.activity.replyToId;
  const byMessage = replyTo ? threads.find((t) => t.messageId === replyTo) : undefined;
  const byConversation = threads.find((t) => {
    try {
      return parseRef<ConversationRef>(t.conversation).conversationId === conversation;
    } catch {
      return false;
    }
  });
  return byMessage ?? byConversation;
}
