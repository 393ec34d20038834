// The admin's reset wizard and the employee's lost-device report as cards: in the message
// extension's dialog the buttons are Action.Submit (the dialog gets the answer); in chat they are
// Action.Execute, so the card is replaced in place for whoever clicked.

import { platformLabel } from "../../../core/labels.ts";
import type { DeviceChoice } from "../../../core/reset/device-choices.ts";
import type { Device, Person } from "../../../core/types.ts";
import { type Card, cut, deviceLabel, render } from "./render.ts";

/** Up to this many devices are radio buttons; past it a drop-down (compact ChoiceSet) holds them. */
const MAX_EXPANDED = 10;
const MAX_CHOICES = 100;

/** The selectable devices as a ChoiceSet's data: every one choosable, or the card says how many are not. */
function picker(choices: DeviceChoice[], describe: (c: DeviceChoice) => string) {
  const selectable = choices.filter((c) => c.refusal === null);
  const shown = selectable.slice(0, MAX_CHOICES);
  const hidden = selectable.length - shown.length;
  const compact = selectable.length > MAX_EXPANDED;
  return {
    shown,
    style: compact ? "compact" : "expanded",
    // A drop-down shows one line per device: the description goes, the warnings stay below.
    choices: shown.map((c) => ({
      title: cut(compact ? deviceLabel(c.device) : `${deviceLabel(c.device)} — ${describe(c)}`, 200),
      value: c.device.id,
    })),
    hidden:
      hidden > 0 ? `${hidden} more devices can be chosen but are not listed here; ask IT for them.` : "",
  };
}

export function personFormCard(value = "", problem = ""): Card {
  return render("personForm", { value, problem });
}

export function resetFormCard(owner: Person, choices: DeviceChoice[], dialog: boolean, problem = ""): Card {
  const pick = picker(choices, (c) =>
    c.capability.warnings[0] ? `⚠️ ${c.capability.warnings[0]}` : c.capability.reason,
  );
  const selectable = pick.shown;
  const refused = choices.filter((c) => c.refusal !== null).slice(0, 40);
  return render("resetForm", {
    owner: owner.email,
    ownerName: owner.name,
    problem,
    dialog,
    preselected: selectable.length === 1 ? (selectable[0]?.device.id ?? "") : "",
    choices: pick.choices,
    style: pick.style,
    hidden: pick.hidden,
    warnings: selectable
      .flatMap((c) => c.capability.warnings.map((w) => `${c.device.name}: ${w}`))
      .slice(0, 10),
    refused: refused.map((c) => ({ title: deviceLabel(c.device), reason: c.refusal ?? "" })),
  });
}

export function resetConfirmCard(
  device: Device,
  owner: Person,
  input: { notify: boolean; warnings: string[]; steps: string; nonce: string; seal: string },
  dialog: boolean,
): Card {
  return render("resetConfirm", {
    deviceName: device.name,
    deviceId: device.id,
    platform: platformLabel(device),
    owner: owner.email,
    ownerName: owner.name,
    recipients: input.notify ? `you and ${owner.name}` : "you",
    notify: input.notify,
    warnings: input.warnings.slice(0, 5),
    steps: input.steps,
    nonce: input.nonce,
    seal: input.seal,
    dialog,
  });
}

export function lostFormCard(choices: DeviceChoice[]): Card {
  const pick = picker(choices, (c) =>
    c.action === "lock"
      ? "will be locked (its passcode cannot be reset remotely)"
      : "will be locked with a new passcode",
  );
  return render("lostForm", {
    choices: pick.choices,
    style: pick.style,
    hidden: pick.hidden,
    refused: choices
      .filter((c) => c.refusal !== null)
      .slice(0, 20)
      .map((c) => ({ title: deviceLabel(c.device), reason: c.refusal ?? "" })),
  });
}

export function lostConfirmCard(
  device: Device,
  action: "reset_and_lock" | "lock",
  email: string,
  alerted: boolean,
  confirmation: { nonce: string; seal: string },
): Card {
  return render("lostConfirm", {
    deviceName: device.name,
    deviceId: device.id,
    platform: platformLabel(device),
    what:
      action === "lock"
        ? "It will be locked. Its passcode cannot be reset remotely, so unlock it with your current passcode once you find it."
        : `It will be locked with a new passcode, which is sent to your email (${email}) and to this chat.`,
    where: alerted
      ? "The security team is alerted. You can follow progress here."
      : "You can follow progress here.",
    nonce: confirmation.nonce,
    seal: confirmation.seal,
  });
}
