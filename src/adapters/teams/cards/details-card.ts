// "Details" (a dialog opened from the status card) and "My devices" (the personal chat): the whole
// timeline of one request with who got the passcode and how (never the passcode itself), and a
// person's own devices with their state and a "Report lost" button each.
import { requestDeadline } from "../../../core/labels.ts";
import { STATE_LABELS } from "../../../core/lifecycle.ts";
import type { DeviceChoice } from "../../../core/reset/device-choices.ts";
import type { Delivery, Device, ResetRequest, TimelineEvent } from "../../../core/types.ts";
import { cardDate, cardWhen } from "./card-time.ts";
import { type Card, cut, deviceLabel, render } from "./render.ts";
import { eventHeading, STATE_ICONS } from "./status-card.ts";

const MAX_EVENTS = 80;
const MAX_DEVICES = 30;

export function detailsCard(
  request: ResetRequest,
  device: Device | null,
  events: TimelineEvent[],
  deliveries: Delivery[],
  /** When the card is built: "in 23 hours (…)" (without it, the UTC time alone). */
  now?: Date,
): Card {
  const shown = events.slice(-MAX_EVENTS);
  const deadline = requestDeadline(request);
  return render("details", {
    device: device ? deviceLabel(device) : request.deviceId,
    state: `${STATE_ICONS[request.state]} ${STATE_LABELS[request.state]}`,
    owner: device?.ownerEmail ?? "unknown",
    requester: `${request.requestedBy} (from ${request.surface})`,
    kind: request.kind === "lock" ? "Lock only" : "Reset passcode and lock",
    deadlineTitle: deadline.label,
    deadline: cardWhen(deadline.at, now),
    outcome: request.outcome ?? "",
    deliveries: deliveries.map(
      (d) =>
        `${d.recipientEmail} by ${d.channel === "email" ? "email" : "chat"}: ${d.status}` +
        (d.redactedAt ? " (removed from the chat since)" : ""),
    ),
    earlier:
      shown.length < events.length
        ? `${events.length - shown.length} earlier events: run latchkey timeline ${request.id}.`
        : "",
    events: shown.map((e) => ({
      at: cardDate(e.at),
      title: eventHeading(e.type),
      detail: cut(e.detail, 500),
    })),
    requestId: request.id,
  });
}

export function myDevicesCard(devices: DeviceChoice[]): Card {
  const shown = devices.slice(0, MAX_DEVICES);
  return render("myDevices", {
    devices: shown.map((c) => ({
      id: c.device.id,
      label: deviceLabel(c.device),
      state: c.active
        ? `${STATE_ICONS[c.active.state]} ${STATE_LABELS[c.active.state]} (request ${c.active.id})`
        : c.refusal
          ? `❔ Cannot be locked from here: ${c.refusal}`
          : "🟢 Managed",
      canReport: !c.active && c.refusal === null,
    })),
    hidden: devices.length > shown.length ? `…and ${devices.length - shown.length} more.` : "",
  });
}
