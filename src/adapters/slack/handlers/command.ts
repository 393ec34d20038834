// `/reset-passcode`: acknowledged at once. A person opens the reset modal (open-modal.ts: a loading
// view first when the form is slow, because the trigger is only valid for 3 s); status, cancel and
// help answer privately.

import { STATE_LABELS } from "../../../core/lifecycle.ts";
import { cancelReset } from "../../../core/reset/cancel-reset.ts";
import { deviceChoices } from "../../../core/reset/device-choices.ts";
import { findOwner, mayLookUpOwners } from "../../../core/reset/find-owner.ts";
import { latestRequests } from "../../../core/reset/home-screen.ts";
import { requestDetails } from "../../../core/reset/request-status.ts";
import { SLACK_COMMAND } from "../ids.ts";
import { type ParsedCommand, parseCommand, USAGE } from "../parse-command.ts";
import type { SlackRoutes } from "../routes.ts";
import { esc, STATE_EMOJI, slackDate } from "../text.ts";
import { type Modal, messageView } from "../views/modal.ts";
import { resetFormView } from "../views/reset-views.ts";
import { eventLine } from "../views/status-message.ts";
import { guarded, type SlackDeps } from "./deps.ts";
import { openModal } from "./open-modal.ts";

/** A queued form whose trigger (valid 3 s) is this old can no longer open a modal. */
const TRIGGER_BUDGET_MS = 2_000;
const BUSY =
  ":hourglass_flowing_sand: Latchkey is busy opening other reset forms. Run the command again in a few seconds.";

type ResetTarget = Extract<ParsedCommand, { kind: "reset" }>["target"];

const HELP = [
  "*Latchkey* resets a lost or stolen phone's passcode and locks it.",
  "• `/reset-passcode @alice` (or `alice@example.com`): choose one of Alice's devices, confirm, and follow the reset in a thread here. The new passcode comes to you by DM and email, never in the channel.",
  "• `/reset-passcode status` lists the latest requests; `/reset-passcode status rq_…` shows one.",
  "• `/reset-passcode cancel rq_…` withdraws a request the device has not picked up yet.",
  "• Lost your own device? Use the *Report a lost device* shortcut or the *Report lost* button in Latchkey's Home tab.",
].join("\n");

export function registerCommand(app: SlackRoutes, deps: SlackDeps): void {
  app.command(SLACK_COMMAND, async ({ command, ack, respond }) => {
    const parsed = parseCommand(command.text ?? "");
    if (parsed.kind === "help") return void (await ack({ response_type: "ephemeral", text: HELP }));
    if (parsed.kind === "invalid")
      return void (await ack({ response_type: "ephemeral", text: parsed.message }));
    const reply = (text: string) => respond({ response_type: "ephemeral", text });
    if (parsed.kind === "reset") {
      // The form is built after the ack, a few at a time: a burst must not delay later acks.
      let acked = () => {};
      const afterAck = new Promise<void>((ok) => {
        acked = ok;
      });
      const started = deps.forms.tryRun(async (waitedMs) => {
        await afterAck;
        if (waitedMs > TRIGGER_BUDGET_MS) return void (await reply(BUSY));
        await guarded(deps, "open reset form", () => openResetForm(deps, command, parsed.target), reply);
      });
      if (!started) return void (await ack({ response_type: "ephemeral", text: BUSY }));
      try {
        await ack();
      } finally {
        acked();
      }
      await started;
      return;
    }
    await ack();
    await guarded(
      deps,
      `command ${parsed.kind}`,
      async () => void (await reply(await answer(deps, command.user_id, parsed))),
      reply,
    );
  });
}

async function openResetForm(
  deps: SlackDeps,
  command: { trigger_id: string; user_id: string; channel_id: string },
  target: ResetTarget,
): Promise<void> {
  await openModal(deps.client, {
    triggerId: command.trigger_id,
    title: "Reset passcode",
    content: resetForm(deps, command.user_id, command.channel_id, target),
  });
}

async function resetForm(
  deps: SlackDeps,
  actorId: string,
  channelId: string,
  target: ResetTarget,
): Promise<Modal> {
  const title = "Reset passcode";
  const actor = await deps.identity.resolve(actorId);
  if (!actor.ok) return messageView(title, `:no_entry: ${esc(actor.message)}`);
  const gate = await mayLookUpOwners(deps.engine, {
    actorEmail: actor.email,
    ownerHint: targetHint(target, actorId, actor.email),
    surface: "slack",
  });
  if (!gate.allowed) return messageView(title, `:no_entry: ${esc(gate.message)}`);
  const owner = await targetEmail(deps, target);
  if (!owner.ok) return messageView(title, owner.message);
  const result = await deviceChoices(deps.engine, {
    actorEmail: actor.email,
    ownerEmail: owner.email,
    surface: "slack",
    purpose: "reset",
    actor: gate.actor,
  });
  if (result.status !== "ok") return messageView(title, `:no_entry: ${esc(result.message)}`);
  return resetFormView(result.owner, result.choices, { c: channelId, o: result.owner.email });
}

/** Who the command names, for the audit row of a refusal (no lookup: nothing is revealed). */
function targetHint(target: ResetTarget, actorId: string, actorEmail: string): string {
  if ("email" in target) return target.email;
  if ("slackUserId" in target)
    return target.slackUserId === actorId ? actorEmail : `slack:${target.slackUserId}`;
  return `name:${target.name}`;
}

async function targetEmail(
  deps: SlackDeps,
  target: ResetTarget,
): Promise<{ ok: true; email: string } | { ok: false; message: string }> {
  if ("email" in target) return { ok: true, email: target.email };
  if ("slackUserId" in target) {
    const who = await deps.identity.resolve(target.slackUserId);
    return who.ok ? { ok: true, email: who.email } : { ok: false, message: `:no_entry: ${esc(who.message)}` };
  }
  const found = await findOwner(deps.engine, target.name);
  if (found.status === "one") return { ok: true, email: found.owner.email };
  if (found.status === "none") {
    return {
      ok: false,
      message: `:mag: No one in the inventory matches *${esc(target.name)}*. Mention them (so Slack links the name) or give their email.`,
    };
  }
  const list = found.people.map((p) => `• ${esc(p.name)} (${esc(p.email)})`);
  if (found.more) list.push("• …");
  return {
    ok: false,
    message: `:busts_in_silhouette: Several people match *${esc(target.name)}*:\n${list.join("\n")}\nRun the command again with their email or a mention.`,
  };
}

async function answer(
  deps: SlackDeps,
  userId: string,
  parsed: Extract<ParsedCommand, { kind: "status" | "cancel" }>,
): Promise<string> {
  const who = await deps.identity.resolve(userId);
  if (!who.ok) return `:no_entry: ${esc(who.message)}`;
  if (parsed.kind === "cancel") {
    const r = await cancelReset(deps.engine, {
      actorEmail: who.email,
      requestId: parsed.requestId,
      surface: "slack",
      reason: parsed.reason,
    });
    return r.status === "cancelled"
      ? `:heavy_multiplication_x: Request \`${r.request.id}\` is cancelled.`
      : `:no_entry: ${esc(r.message)}`;
  }
  if (parsed.requestId) {
    const d = await requestDetails(deps.engine, {
      actorEmail: who.email,
      requestId: parsed.requestId,
      surface: "slack",
    });
    if (d.status !== "ok") return `:no_entry: ${esc(d.message)}`;
    const shown = d.events.slice(-10);
    const lines = shown.map(eventLine);
    if (shown.length < d.events.length) {
      lines.unshift(
        `_${d.events.length - shown.length} earlier events: press Details on the status message._`,
      );
    }
    const head = `${STATE_EMOJI[d.request.state]} \`${d.request.id}\` · *${esc(d.device?.name ?? d.request.deviceId)}* · ${STATE_LABELS[d.request.state]}`;
    return [head, d.request.outcome ? esc(d.request.outcome) : "", ...lines].filter(Boolean).join("\n");
  }
  const latest = await latestRequests(deps.engine, who.email);
  if (latest.status === "not_in_inventory") {
    return `:no_entry: You are not in Latchkey's inventory (${esc(latest.email)}), so there is nothing to show. Ask IT to add you.`;
  }
  const { list } = latest;
  if (list.length === 0) return `No requests yet. ${USAGE}`;
  return [
    "*Latest requests*",
    ...list.map(
      (r) =>
        `${STATE_EMOJI[r.request.state]} \`${r.request.id}\` · *${esc(r.device?.name ?? r.request.deviceId)}* (${esc(r.device?.ownerEmail ?? "")}) · ${STATE_LABELS[r.request.state]} · ${slackDate(r.request.createdAt)}`,
    ),
  ].join("\n");
}
