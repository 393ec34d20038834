// The device choice both forms share: a radio input of the devices that can be chosen (each with
// a one-line description), their warnings beneath, and the refused ones listed with the reason
// and no way to pick them.
import type { DeviceChoice } from "../../../core/reset/device-choices.ts";
import { ACTIONS, BLOCKS } from "../ids.ts";
import { type Block, context, deviceLabel, divider, esc, plain, section } from "../text.ts";

/** Radio buttons show at most 10 options; past that a select menu (up to 100) is used. */
const MAX_RADIO = 10;
const MAX_OPTIONS = 100;
const MAX_REFUSED = 40;

export interface DevicePicker {
  /** The radio input, or a line saying none can be chosen. */
  choice: Block;
  warnings: Block[];
  refused: Block[];
  selectable: number;
}

export function devicePicker(
  choices: DeviceChoice[],
  describe: (c: DeviceChoice) => string,
  texts: { none: string; refusedTitle: string },
): DevicePicker {
  const selectable = choices.filter((c) => c.refusal === null);
  const refused = choices.filter((c) => c.refusal !== null);
  const picker: DevicePicker = {
    choice: section(texts.none),
    warnings: [],
    refused: [],
    selectable: selectable.length,
  };
  if (selectable.length > 0) {
    const menu = selectable.length > MAX_RADIO;
    // Option descriptions exist on radio buttons only; a menu's options are just the device.
    const option = (c: DeviceChoice) => ({
      text: plain(deviceLabel(c.device), 75),
      value: c.device.id,
      ...(menu ? {} : { description: plain(describe(c), 75) }),
    });
    const [only] = selectable;
    picker.choice = {
      type: "input",
      block_id: BLOCKS.device,
      label: plain("Device", 2000),
      element: {
        type: menu ? "static_select" : "radio_buttons",
        ...(menu ? { placeholder: plain("Choose a device", 150) } : {}),
        action_id: ACTIONS.device,
        options: selectable.slice(0, MAX_OPTIONS).map(option),
        ...(selectable.length === 1 && only ? { initial_option: option(only) } : {}),
      },
    };
    picker.warnings = selectable
      .filter((x) => x.capability.warnings.length > 0)
      .slice(0, MAX_RADIO)
      .map((c) => context(`:warning: *${esc(c.device.name)}*: ${esc(c.capability.warnings.join(" "))}`));
  }
  if (refused.length > 0) {
    picker.refused.push(divider(), section(`*${texts.refusedTitle}*`));
    for (const c of refused.slice(0, MAX_REFUSED)) {
      picker.refused.push(section(`*${esc(deviceLabel(c.device))}*\n${esc(c.refusal ?? "")}`));
    }
    if (refused.length > MAX_REFUSED)
      picker.refused.push(context(`…and ${refused.length - MAX_REFUSED} more.`));
  }
  return picker;
}
