// App Home: "My devices", each with its state and a "Report lost" button, and for admins the
// latest requests. Published again after each report.

import { STATE_LABELS } from "../../../core/lifecycle.ts";
import type { DeviceChoice } from "../../../core/reset/device-choices.ts";
import type { RequestSummary } from "../../../core/reset/request-status.ts";
import { ACTIONS } from "../ids.ts";
import {
  type Block,
  context,
  deviceLabel,
  divider,
  esc,
  header,
  plain,
  STATE_EMOJI,
  section,
  slackDate,
} from "../text.ts";

export interface HomeView {
  type: "home";
  blocks: Block[];
}

export function homeView(
  who: { ok: true; name: string; email: string } | { ok: false; message: string },
  devices: DeviceChoice[],
  recent: RequestSummary[],
  isAdmin: boolean,
): HomeView {
  if (!who.ok) {
    return { type: "home", blocks: [header("Latchkey"), section(esc(who.message))] };
  }
  const blocks: Block[] = [header("My devices")];
  if (devices.length === 0) blocks.push(section("You have no devices in Latchkey's inventory."));
  for (const c of devices.slice(0, 30)) {
    const state = c.active
      ? `${STATE_EMOJI[c.active.state]} ${STATE_LABELS[c.active.state]} (request \`${c.active.id}\`)`
      : c.refusal
        ? ":grey_question: Cannot be locked from here"
        : ":large_green_circle: Managed";
    const block: Block = {
      type: "section",
      text: { type: "mrkdwn", text: `*${esc(deviceLabel(c.device))}*\n${state}` },
    };
    if (!c.active && c.refusal === null) {
      block.accessory = {
        type: "button",
        action_id: ACTIONS.reportLost,
        text: plain("Report lost", 75),
        style: "danger",
        value: c.device.id,
      };
    }
    blocks.push(block);
  }
  blocks.push(
    context("Lost a device? Press *Report lost* and it is locked at once; the security team is told."),
  );
  if (isAdmin) {
    blocks.push(divider(), header("Latest requests"));
    if (recent.length === 0)
      blocks.push(section("No requests yet. Run `/reset-passcode @someone` in any channel."));
    for (const r of recent.slice(0, 10)) {
      blocks.push(
        section(
          `${STATE_EMOJI[r.request.state]} \`${r.request.id}\` · *${esc(r.device?.name ?? r.request.deviceId)}* · ${STATE_LABELS[r.request.state]} · ${slackDate(r.request.createdAt)}`,
        ),
      );
    }
  }
  return { type: "home", blocks: blocks.slice(0, 100) };
}
