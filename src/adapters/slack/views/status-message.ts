// The channel's view of a request: one status message kept up to date, with Cancel (while the
// device has not picked the command up) and Details, and the milestones as replies in its thread.
// Nothing here can carry a passcode: it is built from the request, the device and the timeline,
// none of which hold one.
import { eventTitle } from "../../../core/labels.ts";
import { awaitsApproval, STATE_LABELS } from "../../../core/lifecycle.ts";
import type { ThreadView } from "../../../core/ports.ts";
import { isFinal, type TimelineEvent } from "../../../core/types.ts";
import { ACTIONS } from "../ids.ts";
import {
  type Block,
  context,
  deviceLabel,
  esc,
  header,
  md,
  STATE_EMOJI,
  section,
  slackDate,
} from "../text.ts";

/** action_ids of the two-person rule's buttons (their value is the request id). */
export const APPROVAL_ACTIONS = { approve: "approve_request", reject: "reject_request" } as const;

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export function statusMessage(view: ThreadView, requesterLabel: string): SlackMessage {
  const { request, device, owner } = view;
  const deviceName = device?.name ?? request.deviceId;
  const security = view.thread.purpose === "security";
  const title = security
    ? `Lost device reported: ${deviceName}`
    : request.kind === "lock"
      ? `Lock: ${deviceName}`
      : `Passcode reset: ${deviceName}`;
  const state = `${STATE_EMOJI[request.state]} ${STATE_LABELS[request.state]}`;
  const fields = [
    md(`*Status*\n${state}`),
    md(`*Device*\n${esc(device ? deviceLabel(device) : request.deviceId)}`),
    md(`*Owner*\n${esc(owner ? `${owner.name} (${owner.email})` : (device?.ownerEmail ?? "unknown"))}`),
    md(`*${security ? "Reported by" : "Requested by"}*\n${requesterLabel}`),
  ];
  const blocks: Block[] = [header(title), { type: "section", fields }];
  if (request.outcome && isFinal(request.state)) blocks.push(section(esc(request.outcome)));
  const buttons: Block[] = [];
  if (awaitsApproval(request.state)) buttons.push(...approvalButtons(request.id, deviceName));
  if (view.cancellable) {
    buttons.push({
      type: "button",
      action_id: ACTIONS.cancelRequest,
      text: { type: "plain_text", text: "Cancel" },
      style: "danger",
      value: request.id,
      confirm: {
        title: { type: "plain_text", text: "Cancel this request?" },
        text: md(`The command will be withdrawn before ${esc(deviceName)} picks it up.`),
        confirm: { type: "plain_text", text: "Cancel request" },
        deny: { type: "plain_text", text: "Keep it" },
      },
    });
  }
  buttons.push({
    type: "button",
    action_id: ACTIONS.requestDetails,
    text: { type: "plain_text", text: "Details" },
    value: request.id,
  });
  blocks.push({ type: "actions", block_id: "status_actions", elements: buttons });
  if (view.noCancel) blocks.push(context(esc(view.noCancel)));
  if (awaitsApproval(request.state)) {
    blocks.push(
      context(`A second admin must approve before anything is sent to the device; ${requesterLabel} cannot.`),
    );
  }
  blocks.push(
    context(
      `Request \`${request.id}\` · started ${slackDate(request.createdAt)} · the passcode is never posted here`,
    ),
  );
  return { text: `${title}: ${STATE_LABELS[request.state]}`, blocks };
}

function approvalButtons(requestId: string, deviceName: string): Block[] {
  return [
    {
      type: "button",
      action_id: APPROVAL_ACTIONS.approve,
      text: { type: "plain_text", text: "Approve" },
      style: "primary",
      value: requestId,
      confirm: {
        title: { type: "plain_text", text: "Approve this reset?" },
        text: md(`The passcode of ${esc(deviceName)} will be reset and the device locked.`),
        confirm: { type: "plain_text", text: "Approve" },
        deny: { type: "plain_text", text: "Not yet" },
      },
    },
    {
      type: "button",
      action_id: APPROVAL_ACTIONS.reject,
      text: { type: "plain_text", text: "Reject" },
      value: requestId,
      confirm: {
        title: { type: "plain_text", text: "Reject this request?" },
        text: md(`Nothing will be sent to ${esc(deviceName)}; the request ends as rejected.`),
        confirm: { type: "plain_text", text: "Reject" },
        deny: { type: "plain_text", text: "Keep it" },
      },
    },
  ];
}

const EVENT_EMOJI: Record<string, string> = {
  approval_requested: ":raised_hand:",
  approved: ":+1:",
  rejected: ":no_entry_sign:",
  checked: ":mag:",
  passcode_generated: ":key:",
  pushed: ":satellite_antenna:",
  push_retry: ":repeat:",
  push_failed: ":warning:",
  received: ":iphone:",
  passcode_reset: ":key:",
  lock_skipped: ":unlock:",
  lock_sent: ":satellite_antenna:",
  locked: ":lock:",
  delivered: ":envelope_with_arrow:",
  delivery_retry: ":repeat:",
  delivery_failed: ":warning:",
  redacted: ":broom:",
  redaction_failed: ":warning:",
  passcode_purged: ":wastebasket:",
  completed: ":white_check_mark:",
  refused: ":no_entry:",
  failed: ":x:",
  expired: ":alarm_clock:",
  cancelled: ":heavy_multiplication_x:",
};

/** One event as a line of a timeline listing (status, Details): when, what, and its detail. */
export function eventLine(e: TimelineEvent): string {
  return `${slackDate(e.at)} · *${esc(eventTitle(e.type))}* · ${esc(e.detail)}`;
}

/** Events worth a line in the thread; "requested" is the status message itself. */
export function milestoneEvents(events: TimelineEvent[]): TimelineEvent[] {
  return events.filter((e) => e.type !== "requested");
}

/** One thread reply for a batch of milestones (a burst of device events is one message, not ten). */
export function milestoneMessages(events: TimelineEvent[]): SlackMessage[] {
  const lines = milestoneEvents(events).map((e) => {
    const title = eventTitle(e.type);
    return `${EVENT_EMOJI[e.type] ?? ":small_blue_diamond:"} *${title}* · ${esc(e.detail)}`;
  });
  const out: SlackMessage[] = [];
  let chunk: string[] = [];
  const flush = () => {
    if (chunk.length === 0) return;
    const text = chunk.join("\n");
    out.push({ text, blocks: [section(text)] });
    chunk = [];
  };
  for (const line of lines) {
    if ([...chunk, line].join("\n").length > 2900) flush();
    chunk.push(line.length > 2900 ? `${line.slice(0, 2899)}…` : line);
  }
  flush();
  return out;
}
