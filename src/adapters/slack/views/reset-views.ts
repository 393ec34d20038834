// The admin's reset wizard: choose the device (refused ones shown with their reason, not
// selectable), choose whether the device user also gets the passcode, then confirm on a second
// screen that names the device and its owner.
import type { DeviceChoice } from "../../../core/reset/device-choices.ts";
import type { Device, Person } from "../../../core/types.ts";
import { ACTIONS, BLOCKS, VIEWS } from "../ids.ts";
import { type Block, context, deviceLabel, divider, esc, plain, platformLabel, section } from "../text.ts";
import { type Modal, modal } from "./modal.ts";

/** Carried from the form to the confirmation: where the command ran and for whom. */
export interface ResetFormMeta {
  c: string;
  o: string;
}
export interface ResetConfirmMeta extends ResetFormMeta {
  d: string;
  n: boolean;
}

const MAX_LISTED = 40;

export function resetFormView(owner: Person, choices: DeviceChoice[], meta: ResetFormMeta): Modal {
  const selectable = choices.filter((c) => c.refusal === null);
  const refused = choices.filter((c) => c.refusal !== null);
  const blocks: Block[] = [
    section(`Reset the passcode of one of *${esc(owner.name)}*'s devices (${esc(owner.email)}) and lock it.`),
  ];
  if (selectable.length > 0) {
    blocks.push({
      type: "input",
      block_id: BLOCKS.device,
      label: plain("Device", 2000),
      element: {
        type: "radio_buttons",
        action_id: ACTIONS.device,
        options: selectable.slice(0, 10).map(deviceOption),
        ...(selectable.length === 1 && selectable[0] ? { initial_option: deviceOption(selectable[0]) } : {}),
      },
    });
    const warned = selectable.filter((c) => c.capability.warnings.length > 0);
    for (const c of warned.slice(0, 10)) {
      blocks.push(context(`:warning: *${esc(c.device.name)}*: ${esc(c.capability.warnings.join(" "))}`));
    }
    blocks.push({
      type: "input",
      block_id: BLOCKS.notifyUser,
      optional: true,
      label: plain("Device user", 2000),
      element: {
        type: "checkboxes",
        action_id: ACTIONS.notifyUser,
        options: [notifyOption(owner)],
      },
    });
  } else {
    blocks.push(section(`:no_entry: None of ${esc(owner.name)}'s devices can be reset right now.`));
  }
  if (refused.length > 0) {
    blocks.push(divider(), section("*Cannot be reset*"));
    for (const c of refused.slice(0, MAX_LISTED)) {
      blocks.push(section(`*${esc(deviceLabel(c.device))}*\n${esc(c.refusal ?? "")}`));
    }
    if (refused.length > MAX_LISTED) blocks.push(context(`…and ${refused.length - MAX_LISTED} more.`));
  }
  return modal(VIEWS.resetForm, "Reset passcode", blocks, {
    ...(selectable.length > 0 ? { submit: "Next" } : {}),
    close: "Cancel",
    metadata: meta,
  });
}

function deviceOption(c: DeviceChoice) {
  const description =
    c.capability.warnings.length > 0 ? `⚠ ${c.capability.warnings[0]}` : c.capability.reason;
  return {
    text: plain(deviceLabel(c.device), 75),
    value: c.device.id,
    description: plain(description, 75),
  };
}

export function notifyOption(owner: Person) {
  return {
    text: plain("Also send the new passcode to the device user", 75),
    value: "yes",
    description: plain(`${owner.name} gets it by Slack DM and email`, 75),
  };
}

export function resetConfirmView(
  device: Device,
  owner: Person,
  warnings: string[],
  meta: ResetConfirmMeta,
  channelName: string,
): Modal {
  const recipients = meta.n ? `you and ${esc(owner.name)}` : "you";
  const blocks: Block[] = [
    section(
      `Reset the passcode of *${esc(device.name)}* (${esc(platformLabel(device))}, id \`${esc(device.id)}\`), ` +
        `owned by *${esc(owner.name)}* (${esc(owner.email)}), and lock it?`,
    ),
    section(
      `• A new random passcode that meets the device's policy is sent to the device, which then locks.\n` +
        `• The new passcode goes privately to ${recipients}, by Slack DM and email. It is never posted in ${channelName}.\n` +
        "• Anyone using the device will need the new passcode to unlock it.",
    ),
  ];
  for (const w of warnings.slice(0, 5)) blocks.push(context(`:warning: ${esc(w)}`));
  blocks.push(context(`Progress will be posted in ${channelName}, in a thread.`));
  return modal(VIEWS.resetConfirm, "Confirm reset", blocks, {
    submit: "Reset and lock",
    close: "Back",
    metadata: meta,
  });
}
