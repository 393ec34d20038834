// The reset wizard's two submissions. "Next" re-checks the chosen device and pushes the
// confirmation naming device and owner; "Reset and lock" closes the modal and starts the reset,
// keyed by the confirmation view's id, so a double click or a redelivery never starts a second one.
import { resetConfirmStep } from "../../../core/reset/confirm-step.ts";
import { startReset } from "../../../core/reset/start-reset.ts";
import { BLOCKS, VIEWS } from "../ids.ts";
import type { SlackRoutes } from "../routes.ts";
import { cut } from "../text.ts";
import { type ResetConfirmMeta, type ResetFormMeta, resetConfirmView } from "../views/reset-views.ts";
import { channelLabel, guarded, type SlackDeps, tell } from "./deps.ts";
import { notifyTicked, readMeta, selectedDevice } from "./view-values.ts";

export function registerResetModal(app: SlackRoutes, deps: SlackDeps): void {
  const { engine } = deps;

  app.view(VIEWS.resetForm, async ({ ack, view, body }) => {
    const meta = readMeta<ResetFormMeta>(view.private_metadata, ["c", "o"]);
    const deviceId = selectedDevice(view.state.values);
    if (!meta || !deviceId) {
      await ack({ response_action: "errors", errors: { [BLOCKS.device]: "Choose a device." } });
      return;
    }
    const notify = notifyTicked(view.state.values);
    // The form may have been open for a while: the device's situation is checked again.
    const who = await deps.identity.resolve(body.user.id);
    if (!who.ok) {
      await ack({ response_action: "errors", errors: { [BLOCKS.device]: cut(who.message, 150) } });
      return;
    }
    const input = { actorEmail: who.email, deviceId, ownerEmail: meta.o, surface: "slack" as const };
    const step = await resetConfirmStep(engine, input);
    if (step.status !== "ok") {
      await ack({ response_action: "errors", errors: { [BLOCKS.device]: cut(step.message, 150) } });
      return;
    }
    const { device, owner, choice } = step;
    const confirm: ResetConfirmMeta = { ...meta, d: device.id, n: notify };
    await ack({
      response_action: "push",
      view: resetConfirmView(
        device,
        owner,
        choice.capability.warnings,
        choice.steps,
        confirm,
        channelLabel(meta.c),
      ) as never,
    });
  });

  app.view(VIEWS.resetConfirm, async ({ ack, view, body }) => {
    await ack({ response_action: "clear" });
    const meta = readMeta<ResetConfirmMeta>(view.private_metadata, ["c", "o", "d", "n"]);
    const userId = body.user.id;
    const say = (text: string) => tell(deps, { userId, channelId: meta?.c ?? null }, text);
    await guarded(
      deps,
      "start reset",
      async () => {
        if (!meta) throw new Error("confirmation without its metadata");
        const who = await deps.identity.resolve(userId);
        if (!who.ok) return void (await say(`:no_entry: ${who.message}`));
        const result = await startReset(engine, {
          actorEmail: who.email,
          deviceId: meta.d,
          notifyUser: meta.n,
          surface: "slack",
          idempotencyKey: `slack-view:${view.id}`,
          expectedOwner: meta.o,
          threads: [{ surface: "slack", purpose: "requester", conversation: meta.c }],
        });
        // Started, refused and duplicate requests are shown by their thread; the rest is said privately.
        if (result.status === "busy" || result.status === "not_allowed" || result.status === "not_found") {
          await say(`:no_entry: ${result.message}`);
        }
      },
      say,
    );
  });
}
