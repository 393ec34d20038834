// "Details": the whole timeline of one request, with who got the passcode and how (never the
// passcode itself), in a modal only the person who clicked sees.
import { requestDeadline } from "../../../core/labels.ts";
import { STATE_LABELS } from "../../../core/lifecycle.ts";
import type { Delivery, Device, ResetRequest, TimelineEvent } from "../../../core/types.ts";
import { VIEWS } from "../ids.ts";
import {
  type Block,
  context,
  deviceLabel,
  divider,
  esc,
  STATE_EMOJI,
  section,
  slackDate,
  slackWhen,
} from "../text.ts";
import { type Modal, modal } from "./modal.ts";
import { eventLine } from "./status-message.ts";

const MAX_EVENTS = 80;

export function detailsView(
  request: ResetRequest,
  device: Device | null,
  events: TimelineEvent[],
  deliveries: Delivery[],
  /** When the view is built: "expires in 23 hours" (without it, the time alone). */
  now?: Date,
): Modal {
  const deadline = requestDeadline(request);
  const when = now ? slackWhen(deadline.at, now) : slackDate(deadline.at);
  const blocks: Block[] = [
    section(
      `*${esc(device ? deviceLabel(device) : request.deviceId)}* · owner ${esc(device?.ownerEmail ?? "unknown")}\n` +
        `${STATE_EMOJI[request.state]} *${STATE_LABELS[request.state]}*${request.outcome ? ` · ${esc(request.outcome)}` : ""}`,
    ),
    context(
      `Request \`${request.id}\` · ${request.kind === "lock" ? "lock only" : "reset and lock"} · requested by ${esc(request.requestedBy)} from ${request.surface} · ${deadline.label.toLowerCase()} ${when}`,
    ),
  ];
  if (deliveries.length > 0) {
    const lines = deliveries.map(
      (d) =>
        `• ${esc(d.recipientEmail)} by ${d.channel === "email" ? "email" : "direct message"}: ${d.status}` +
        (d.redactedAt ? " (removed from chat since)" : ""),
    );
    blocks.push(section(`*Passcode delivery*\n${lines.join("\n")}`));
  }
  blocks.push(divider());
  const shown = events.slice(-MAX_EVENTS);
  if (shown.length < events.length)
    blocks.push(
      context(`${events.length - shown.length} earlier events are in \`latchkey timeline ${request.id}\`.`),
    );
  for (const e of shown) blocks.push(context(eventLine(e)));
  return modal(VIEWS.details, "Request details", blocks);
}
