// Action.Execute (adaptiveCard/action): the status card's Cancel and Refresh, and the chat
// wizards' steps. The answer is the refreshed card, shown in place to whoever clicked.
import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from "botbuilder";
import { CANCELLABLE } from "../../../core/lifecycle.ts";
import { cancelReset } from "../../../core/reset/cancel-reset.ts";
import type { ThreadPurpose } from "../../../core/types.ts";
import { ADAPTIVE_CARD, type Card, messageCard } from "../cards/render.ts";
import { statusCard } from "../cards/status-card.ts";
import { VERBS } from "../ids.ts";
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
    const requestId = field(data, "requestId");
    if (verb === VERBS.cancelRequest) {
      const who = await deps.identity.sender(ctx);
      if (!who.ok) return messageCard("Cancel", `⛔ ${who.message}`);
      const r = await cancelReset(deps.engine, { actorEmail: who.email, requestId, surface: "teams" });
      if (r.status !== "cancelled") note = r.message;
    }
    return (
      (await currentStatus(deps, requestId, field(data, "purpose"))) ??
      messageCard("Request", "⛔ No such request.")
    );
  });
  // A refused cancel is said to the clicker alone; the card stays as it is.
  if (note)
    return { statusCode: 200, type: "application/vnd.microsoft.activity.message", value: note as never };
  return { statusCode: 200, type: ADAPTIVE_CARD, value: card as never };
}

/** The status card as the request stands now (the card is already in this conversation). */
async function currentStatus(deps: TeamsDeps, requestId: string, purpose: string): Promise<Card | null> {
  const { requests, directory } = deps.engine.stores;
  const request = requestId ? await requests.get(requestId) : null;
  if (!request) return null;
  const device = await directory.device(request.deviceId);
  return statusCard({
    thread: {
      purpose: (["requester", "security", "owner"].includes(purpose)
        ? purpose
        : "requester") as ThreadPurpose,
    },
    request,
    device,
    owner: device ? await directory.person(device.ownerEmail) : null,
    requester: await directory.person(request.requestedBy),
    cancellable: CANCELLABLE.includes(request.state),
  });
}
