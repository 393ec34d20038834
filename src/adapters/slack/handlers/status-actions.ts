// The buttons on a status message: Cancel (authorized and audited by the core; the thread shows
// the outcome), Approve / Reject while a request waits for a second admin (two-person rule), and
// Details (the whole timeline in a modal for whoever clicked).
import { approveReset, rejectReset } from "../../../core/reset/approve-reset.ts";
import { cancelReset } from "../../../core/reset/cancel-reset.ts";
import { requestDetails } from "../../../core/reset/request-status.ts";
import { ACTIONS } from "../ids.ts";
import type { SlackRoutes } from "../routes.ts";
import { esc } from "../text.ts";
import { detailsView } from "../views/details-view.ts";
import { messageView } from "../views/modal.ts";
import { APPROVAL_ACTIONS } from "../views/status-message.ts";
import { guarded, type SlackDeps, tell } from "./deps.ts";

function clicked(body: unknown, action: unknown) {
  const b = body as { user: { id: string }; channel?: { id?: string }; trigger_id?: string };
  const value = (action as { value?: unknown }).value;
  return {
    userId: b.user.id,
    channelId: b.channel?.id ?? null,
    triggerId: b.trigger_id ?? null,
    requestId: typeof value === "string" ? value : "",
  };
}

export function registerStatusActions(app: SlackRoutes, deps: SlackDeps): void {
  app.action(ACTIONS.cancelRequest, async ({ ack, body, action }) => {
    await ack();
    const c = clicked(body, action);
    const say = (text: string) => tell(deps, c, text);
    await guarded(
      deps,
      "cancel from button",
      async () => {
        const who = await deps.identity.resolve(c.userId);
        if (!who.ok) return void (await say(`:no_entry: ${who.message}`));
        const r = await cancelReset(deps.engine, {
          actorEmail: who.email,
          requestId: c.requestId,
          surface: "slack",
        });
        if (r.status !== "cancelled") await say(`:no_entry: ${r.message}`);
      },
      say,
    );
  });

  // The two-person rule: the core decides who may approve or reject (and audits refusals); a
  // refusal is said to the clicker alone, a decision shows in the thread and on the status message.
  for (const verb of ["approve", "reject"] as const) {
    app.action(APPROVAL_ACTIONS[verb], async ({ ack, body, action }) => {
      await ack();
      const c = clicked(body, action);
      const say = (text: string) => tell(deps, c, text);
      await guarded(
        deps,
        `${verb} from button`,
        async () => {
          const who = await deps.identity.resolve(c.userId);
          if (!who.ok) return void (await say(`:no_entry: ${who.message}`));
          const input = { actorEmail: who.email, requestId: c.requestId, surface: "slack" as const };
          const r =
            verb === "approve"
              ? await approveReset(deps.engine, input)
              : await rejectReset(deps.engine, input);
          if ("message" in r) await say(`:no_entry: ${esc(r.message)}`);
        },
        say,
      );
    });
  }

  app.action(ACTIONS.requestDetails, async ({ ack, body, action }) => {
    await ack();
    const c = clicked(body, action);
    await guarded(
      deps,
      "details",
      async () => {
        const who = await deps.identity.resolve(c.userId);
        const d = who.ok
          ? await requestDetails(deps.engine, {
              actorEmail: who.email,
              requestId: c.requestId,
              surface: "slack",
            })
          : { status: "not_allowed" as const, message: who.message };
        const view =
          d.status === "ok"
            ? detailsView(d.request, d.device, d.events, d.deliveries, deps.engine.clock.now())
            : messageView("Request details", `:no_entry: ${esc(d.message)}`);
        if (!c.triggerId) throw new Error("block action without a trigger id");
        await deps.client.views.open({ trigger_id: c.triggerId, view: view as never });
      },
      (text) => tell(deps, c, text),
    );
  });
}
