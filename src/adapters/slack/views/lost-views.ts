// The employee's lost-device report: pick one of your own devices, confirm, and it is locked at
// once (its passcode reset too when the rules allow; the new passcode goes to your email).
import type { DeviceChoice } from "../../../core/reset/device-choices.ts";
import { VIEWS } from "../ids.ts";
import { type Block, context, esc, platformLabel, section } from "../text.ts";
import { devicePicker } from "./device-picker.ts";
import { type Modal, modal } from "./modal.ts";

export interface LostConfirmMeta {
  d: string;
  /** What will happen: reset and lock, or lock only. */
  a: "reset_and_lock" | "lock";
}

export function lostFormView(choices: DeviceChoice[]): Modal {
  const picker = devicePicker(choices, lostOutcome, {
    none: ":no_entry: None of your devices can be locked from here. Call the IT service desk.",
    refusedTitle: "Cannot be locked from here",
  });
  const blocks: Block[] = [
    section("Which of your devices is lost or stolen? It will be locked at once and the security team told."),
    picker.choice,
    ...picker.warnings,
    ...picker.refused,
  ];
  return modal(VIEWS.lostForm, "Report a lost device", blocks, {
    ...(picker.selectable > 0 ? { submit: "Next" } : {}),
    close: "Cancel",
  });
}

function lostOutcome(c: DeviceChoice): string {
  if (c.action === "lock") return "Will be locked (its passcode cannot be reset remotely)";
  if (c.capability.scope === "work_profile") return "Work apps locked with a new work-profile passcode";
  return "Will be locked with a new passcode";
}

export function lostConfirmView(choice: DeviceChoice, email: string, securityChannel: string | null): Modal {
  const { device, capability } = choice;
  const action = choice.action === "lock" ? "lock" : "reset_and_lock";
  const what =
    action === "lock"
      ? "It will be locked. Its passcode cannot be reset remotely, so unlock it with your current passcode once you find it."
      : capability.scope === "work_profile"
        ? `Its work profile will be locked with a new work-profile passcode, sent to you by email (${esc(email)}) and Slack DM. The phone's own screen lock does not change.`
        : `It will be locked with a new passcode, sent to you by email (${esc(email)}) and Slack DM.`;
  const blocks: Block[] = [
    section(`Report *${esc(device.name)}* (${esc(platformLabel(device))}) as lost and lock it now?`),
    section(what),
    ...capability.warnings.slice(0, 5).map((w) => context(`:warning: ${esc(w)}`)),
    context(
      securityChannel
        ? `The security team is alerted in <#${securityChannel}>. You can follow progress in your DM with Latchkey.`
        : "You can follow progress in your DM with Latchkey.",
    ),
  ];
  const meta: LostConfirmMeta = { d: device.id, a: action };
  return modal(VIEWS.lostConfirm, "Report a lost device", blocks, {
    submit: "Lock it now",
    close: "Back",
    metadata: meta,
  });
}
