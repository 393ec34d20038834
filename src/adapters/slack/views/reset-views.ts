// The admin's reset wizard: choose the device (refused ones shown with their reason, not
// selectable), choose whether the device user also gets the passcode, then confirm on a second
// screen that names the device and its owner.
import type { DeviceChoice } from "../../../core/reset/device-choices.ts";
import type { Device, Person } from "../../../core/types.ts";
import { ACTIONS, BLOCKS, VIEWS } from "../ids.ts";
import { type Block, context, esc, plain, platformLabel, section } from "../text.ts";
import { devicePicker } from "./device-picker.ts";
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

export function resetFormView(owner: Person, choices: DeviceChoice[], meta: ResetFormMeta): Modal {
  const picker = devicePicker(
    choices,
    (c) => (c.capability.warnings.length > 0 ? `⚠ ${c.capability.warnings[0]}` : c.capability.reason),
    {
      none: `:no_entry: None of ${esc(owner.name)}'s devices can be reset right now.`,
      refusedTitle: "Cannot be reset",
    },
  );
  const notify: Block[] =
    picker.selectable > 0
      ? [
          {
            type: "input",
            block_id: BLOCKS.notifyUser,
            optional: true,
            label: plain("Device user", 2000),
            element: { type: "checkboxes", action_id: ACTIONS.notifyUser, options: [notifyOption(owner)] },
          },
        ]
      : [];
  const blocks: Block[] = [
    section(`Reset the passcode of one of *${esc(owner.name)}*'s devices (${esc(owner.email)}) and lock it.`),
    picker.choice,
    ...picker.warnings,
    ...notify,
    ...picker.refused,
  ];
  return modal(VIEWS.resetForm, "Reset passcode", blocks, {
    ...(picker.selectable > 0 ? { submit: "Next" } : {}),
    close: "Cancel",
    metadata: meta,
  });
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
  steps: string,
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
      `• ${esc(steps)}\n` +
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
