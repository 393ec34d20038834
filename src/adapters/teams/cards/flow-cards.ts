// The admin's reset wizard and the employee's lost-device report as cards: in the message
// extension's dialog the buttons are Action.Submit (the dialog gets the answer); in chat they are
// Action.Execute, so the card is replaced in place for whoever clicked.
import type { DeviceChoice } from "../../../core/reset/device-choices.ts";
import type { Device, Person } from "../../../core/types.ts";
import { deviceLabel, platformLabel } from "./labels.ts";
import { type Card, cut, render } from "./render.ts";

const MAX_CHOICES = 20;

export function personFormCard(value = "", problem = ""): Card {
  return render("personForm", { value, problem });
}

export function resetFormCard(owner: Person, choices: DeviceChoice[], dialog: boolean, problem = ""): Card {
  const selectable = choices.filter((c) => c.refusal === null).slice(0, MAX_CHOICES);
  const refused = choices.filter((c) => c.refusal !== null).slice(0, 40);
  return render("resetForm", {
    owner: owner.email,
    ownerName: owner.name,
    problem,
    dialog,
    preselected: selectable.length === 1 ? (selectable[0]?.device.id ?? "") : "",
    choices: selectable.map((c) => ({
      title: cut(
        `${deviceLabel(c.device)} — ${c.capability.warnings[0] ? `⚠️ ${c.capability.warnings[0]}` : c.capability.reason}`,
        200,
      ),
      value: c.device.id,
    })),
    warnings: selectable
      .flatMap((c) => c.capability.warnings.map((w) => `${c.device.name}: ${w}`))
      .slice(0, 10),
    refused: refused.map((c) => ({ title: deviceLabel(c.device), reason: c.refusal ?? "" })),
  });
}

export function resetConfirmCard(
  device: Device,
  owner: Person,
  input: { notify: boolean; warnings: string[]; key: string },
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
    key: input.key,
    dialog,
  });
}

export function lostFormCard(choices: DeviceChoice[]): Card {
  const selectable = choices.filter((c) => c.refusal === null).slice(0, MAX_CHOICES);
  return render("lostForm", {
    choices: selectable.map((c) => ({
      title: `${deviceLabel(c.device)} — ${c.action === "lock" ? "will be locked (its passcode cannot be reset remotely)" : "will be locked with a new passcode"}`,
      value: c.device.id,
    })),
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
  key: string,
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
    key,
  });
}
