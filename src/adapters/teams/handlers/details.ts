// "Details" on a status card: a dialog (task/fetch) with the whole timeline of one request and who
// got the passcode and how, never the passcode itself. Each look is authorized and audited by the
// core (requestDetails), as in Slack.
import type { TaskModuleRequest, TaskModuleResponse, TurnContext } from "botbuilder";
import { requestDetails } from "../../../core/reset/request-status.ts";
import { detailsCard } from "../cards/details-card.ts";
import { attachment, type Card, messageCard } from "../cards/render.ts";
import { VERBS } from "../ids.ts";
import { field, guarded, type TeamsDeps } from "./deps.ts";

const TITLE = "Request details";

function dialog(card: Card): TaskModuleResponse {
  return {
    task: {
      type: "continue",
      value: { title: TITLE, height: "large", width: "medium", card: attachment(card) },
    },
  };
}

export async function taskFetch(
  deps: TeamsDeps,
  ctx: TurnContext,
  request: TaskModuleRequest,
): Promise<TaskModuleResponse> {
  const data = request.data;
  if (field(data, "verb") !== VERBS.requestDetails) {
    return dialog(messageCard(TITLE, "That button is no longer valid."));
  }
  const card = await guarded(deps, "details", async () => {
    const who = await deps.identity.sender(ctx);
    if (!who.ok) return messageCard(TITLE, `⛔ ${who.message}`);
    const d = await requestDetails(deps.engine, {
      actorEmail: who.email,
      requestId: field(data, "requestId"),
      surface: "teams",
    });
    if (d.status !== "ok") return messageCard(TITLE, `⛔ ${d.message}`);
    return detailsCard(d.request, d.device, d.events, d.deliveries);
  });
  return dialog(card);
}
