// An employee reports one of their own devices lost: from the global shortcut (pick a device,
// then confirm) or from the Home tab's "Report lost" button (straight to the confirmation). The
// device is locked at once; the security channel gets a threaded alert that follows it live.

import { lostConfirmStep } from "../../../core/reset/confirm-step.ts";
import { deviceChoices } from "../../../core/reset/device-choices.ts";
import { reportLostDevice } from "../../../core/reset/start-reset.ts";
import type { ThreadTarget } from "../../../core/types.ts";
import { ACTIONS, BLOCKS, REPORT_LOST_SHORTCUT, VIEWS } from "../ids.ts";
import type { SlackRoutes } from "../routes.ts";
import { cut, esc } from "../text.ts";
import { type LostConfirmMeta, lostConfirmView, lostFormView } from "../views/lost-views.ts";
import { type Modal, messageView } from "../views/modal.ts";
import { guarded, type SlackDeps, tell } from "./deps.ts";
import { publishHome } from "./home.ts";
import { openModal } from "./open-modal.ts";
import { readMeta, selectedDevice } from "./view-values.ts";

const TITLE = "Report a lost device";

export function registerLostDevice(app: SlackRoutes, deps: SlackDeps): void {
  const { engine } = deps;
  const dm = (userId: string) => (text: string) => tell(deps, { userId }, text);

  app.shortcut(REPORT_LOST_SHORTCUT, async ({ ack, shortcut }) => {
    await ack();
    const userId = shortcut.user.id;
    await guarded(
      deps,
      "open lost-device form",
      async () => {
        await openModal(deps.client, {
          triggerId: shortcut.trigger_id,
          title: TITLE,
          content: lostForm(deps, userId),
        });
      },
      dm(userId),
    );
  });

  app.action(ACTIONS.reportLost, async ({ ack, body, action }) => {
    await ack();
    const userId = body.user.id;
    const deviceId = "value" in action && typeof action.value === "string" ? action.value : "";
    const triggerId = "trigger_id" in body ? body.trigger_id : undefined;
    await guarded(
      deps,
      "open lost-device confirmation",
      async () => {
        const confirm = await confirmFor(deps, userId, deviceId);
        const view = confirm.ok ? confirm.view : messageView(TITLE, `:no_entry: ${esc(confirm.message)}`);
        if (!triggerId) throw new Error("block action without a trigger id");
        await deps.client.views.open({ trigger_id: triggerId, view: view as never });
      },
      dm(userId),
    );
  });

  app.view(VIEWS.lostForm, async ({ ack, view, body }) => {
    const deviceId = selectedDevice(view.state.values);
    if (!deviceId)
      return void (await ack({ response_action: "errors", errors: { [BLOCKS.device]: "Choose a device." } }));
    const confirm = await confirmFor(deps, body.user.id, deviceId);
    if (!confirm.ok) {
      return void (await ack({
        response_action: "errors",
        errors: { [BLOCKS.device]: cut(confirm.message, 150) },
      }));
    }
    await ack({ response_action: "push", view: confirm.view as never });
  });

  app.view(VIEWS.lostConfirm, async ({ ack, view, body }) => {
    await ack({ response_action: "clear" });
    const userId = body.user.id;
    await guarded(
      deps,
      "report lost device",
      async () => {
        const meta = readMeta<LostConfirmMeta>(view.private_metadata, ["d", "a"]);
        if (!meta) throw new Error("confirmation without its metadata");
        const who = await deps.identity.resolve(userId);
        if (!who.ok) return void (await dm(userId)(`:no_entry: ${who.message}`));
        const threads: ThreadTarget[] = [{ surface: "slack", purpose: "owner", conversation: `@${userId}` }];
        if (deps.securityChannel) {
          threads.push({ surface: "slack", purpose: "security", conversation: deps.securityChannel });
        }
        const result = await reportLostDevice(engine, {
          actorEmail: who.email,
          deviceId: meta.d,
          surface: "slack",
          idempotencyKey: `slack-view:${view.id}`,
          threads,
        });
        if (result.status === "busy" || result.status === "not_allowed" || result.status === "not_found") {
          await dm(userId)(`:no_entry: ${result.message}`);
        }
        // The report is made; a Home refresh that fails must not make it look as if it was not.
        await publishHome(deps, userId).catch((err: unknown) =>
          engine.log.warn({ err: (err as Error).message }, "Slack Home refresh after a report failed"),
        );
      },
      dm(userId),
    );
  });
}

async function lostForm(deps: SlackDeps, userId: string): Promise<Modal> {
  const who = await deps.identity.resolve(userId);
  if (!who.ok) return messageView(TITLE, `:no_entry: ${esc(who.message)}`);
  const result = await deviceChoices(deps.engine, {
    actorEmail: who.email,
    ownerEmail: who.email,
    surface: "slack",
    purpose: "report_lost",
  });
  if (result.status !== "ok") return messageView(TITLE, `:no_entry: ${esc(result.message)}`);
  return lostFormView(result.choices);
}

/** The confirmation for one device, or why it cannot be reported from here (plain text). */
async function confirmFor(
  deps: SlackDeps,
  userId: string,
  deviceId: string,
): Promise<{ ok: true; view: Modal } | { ok: false; message: string }> {
  const who = await deps.identity.resolve(userId);
  if (!who.ok) return { ok: false, message: who.message };
  const step = await lostConfirmStep(deps.engine, {
    actorEmail: who.email,
    deviceId,
    surface: "slack",
    elsewhere: "Use /reset-passcode for someone else's device.",
  });
  if (step.status !== "ok") return { ok: false, message: step.message };
  return { ok: true, view: lostConfirmView(step.choice, who.email, deps.securityChannel) };
}
