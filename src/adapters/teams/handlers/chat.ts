// The personal chat: `reset passcode <email>`, `status [request]`, `cancel <request> [reason]`,
// `my devices`, `help`, and "I lost my device". In a channel or group chat (or anything Teams does
// not call a 1:1) the bot only points to the message extension and the personal chat: status
// lists and lost-device reports are not for an audience.

import type { TurnContext } from "botbuilder";
import { eventTitle } from "../../../core/labels.ts";
import { STATE_LABELS } from "../../../core/lifecycle.ts";
import { cancelReset } from "../../../core/reset/cancel-reset.ts";
import { latestRequests } from "../../../core/reset/home-screen.ts";
import { requestDetails } from "../../../core/reset/request-status.ts";
import { cardDate } from "../cards/card-time.ts";
import { escapeMarkdown } from "../cards/markdown.ts";
import { type Card, messageCard } from "../cards/render.ts";
import { STATE_ICONS } from "../cards/status-card.ts";
import { isPersonal } from "../conversation-ref.ts";
import { VERBS } from "../ids.ts";
import { guarded, type TeamsDeps } from "./deps.ts";
import { lostForm, myDevices } from "./lost-device.ts";
import { resetStep } from "./reset-flow.ts";

export type ChatCommand =
  | { kind: "help" }
  | { kind: "reset"; owner: string }
  | { kind: "status"; requestId: string | null }
  | { kind: "cancel"; requestId: string; reason: string }
  | { kind: "lost" }
  | { kind: "devices" }
  | { kind: "invalid"; message: string }
  | { kind: "unknown"; text: string };

const REQUEST_ID = /^rq_[A-Za-z0-9_-]{4,64}$/;

export const HELP = [
  "**Latchkey** resets a lost or stolen phone's passcode and locks it.",
  "- **reset passcode alice@example.com**: choose one of Alice's devices, confirm, and follow the reset here. The new passcode comes to you privately (this chat and email), never in a channel.",
  "- In a channel or group chat, use the **Reset passcode** message extension (compose box, or a message's ... menu).",
  "- **status** lists the latest requests; **status rq_…** shows one.",
  "- **cancel rq_…** withdraws a request the device has not picked up yet.",
  "- **I lost my device**: lock one of your own devices now; the security team is told.",
  "- **my devices**: your devices, their state, and a **Report lost** button for each.",
];

export function parseChat(raw: string): ChatCommand {
  // Mentions arrive as <at>Latchkey</at>; Teams may also send HTML entities and trailing spaces.
  const text = raw
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/&nbsp;/g, " ")
    .trim();
  const words = text.split(/\s+/).filter(Boolean);
  const [first = "", ...rest] = words;
  if (!first || /^(help|\?)$/i.test(first)) return { kind: "help" };
  if (/^(my\s+)?devices?$/i.test(text)) return { kind: "devices" };
  if (/\b(lost|stolen|missing)\b/i.test(text) && !/^(reset|status|cancel)$/i.test(first))
    return { kind: "lost" };
  if (/^reset$/i.test(first)) {
    const args = /^passcode$/i.test(rest[0] ?? "") ? rest.slice(1) : rest;
    return { kind: "reset", owner: (args[0] ?? "").replace(/^mailto:/i, "").toLowerCase() };
  }
  if (/^status$/i.test(first)) {
    const id = rest[0] ?? null;
    return id && REQUEST_ID.test(id)
      ? { kind: "status", requestId: id }
      : { kind: "status", requestId: null };
  }
  if (/^cancel$/i.test(first)) {
    const id = rest[0];
    if (id && REQUEST_ID.test(id)) return { kind: "cancel", requestId: id, reason: rest.slice(1).join(" ") };
    return {
      kind: "invalid",
      message: "Say which request to cancel: **cancel rq_…** (type **status** to see them).",
    };
  }
  return { kind: "unknown", text };
}

export async function answerChat(deps: TeamsDeps, ctx: TurnContext): Promise<Card> {
  const command = parseChat(ctx.activity.text ?? "");
  const personal = isPersonal(ctx.activity, deps.local);
  if (command.kind === "help") return messageCard("Latchkey", ...HELP);
  if (!personal) {
    return messageCard(
      "Latchkey",
      "Use the **Reset passcode** message extension here, or chat with me 1:1 for status, cancel and lost devices.",
    );
  }
  return guarded(deps, `chat ${command.kind}`, async () => {
    switch (command.kind) {
      case "reset": {
        const step = await resetStep(deps, ctx, VERBS.resetForm, { owner: command.owner }, false);
        return step.card;
      }
      case "lost":
        return lostForm(deps, ctx);
      case "devices":
        return myDevices(deps, ctx);
      case "invalid":
        return messageCard("Latchkey", command.message);
      case "status":
      case "cancel":
        return statusOrCancel(deps, ctx, command);
      default:
        return messageCard("Latchkey", `I did not understand "${command.text.slice(0, 80)}".`, ...HELP);
    }
  });
}

async function statusOrCancel(
  deps: TeamsDeps,
  ctx: TurnContext,
  command: Extract<ChatCommand, { kind: "status" | "cancel" }>,
): Promise<Card> {
  const who = await deps.identity.sender(ctx);
  if (!who.ok) return messageCard("Latchkey", `⛔ ${who.message}`);
  if (command.kind === "cancel") {
    const r = await cancelReset(deps.engine, {
      actorEmail: who.email,
      requestId: command.requestId,
      surface: "teams",
      reason: command.reason,
    });
    return r.status === "cancelled"
      ? messageCard("Cancelled", `✖️ Request ${r.request.id} is cancelled.`)
      : messageCard("Not cancelled", `⛔ ${r.message}`);
  }
  if (command.requestId) {
    const d = await requestDetails(deps.engine, {
      actorEmail: who.email,
      requestId: command.requestId,
      surface: "teams",
    });
    if (d.status !== "ok") return messageCard("Request", `⛔ ${d.message}`);
    const head = `${STATE_ICONS[d.request.state]} **${d.device?.name ?? d.request.deviceId}** · ${STATE_LABELS[d.request.state]}`;
    const shown = d.events.slice(-10);
    const lines = shown.map(
      (e) => `${cardDate(e.at)} · **${eventTitle(e.type)}** · ${escapeMarkdown(e.detail)}`,
    );
    const earlier =
      shown.length < d.events.length
        ? `${d.events.length - shown.length} earlier events: press **Details** on the status card.`
        : "";
    return messageCard(`Request ${d.request.id}`, head, d.request.outcome ?? "", earlier, ...lines);
  }
  const latest = await latestRequests(deps.engine, who.email);
  if (latest.status === "not_in_inventory") {
    return messageCard(
      "Latest requests",
      `⛔ You are not in Latchkey's inventory (${latest.email}), so there is nothing to show. Ask IT to add you.`,
    );
  }
  const { list } = latest;
  if (list.length === 0) return messageCard("Latest requests", "No requests yet.", ...HELP.slice(1, 2));
  return messageCard(
    "Latest requests",
    ...list.map(
      (r) =>
        `${STATE_ICONS[r.request.state]} ${r.request.id} · **${r.device?.name ?? r.request.deviceId}** (${r.device?.ownerEmail ?? ""}) · ${STATE_LABELS[r.request.state]}`,
    ),
  );
}
