// What the timeline says at each step of a command sent through an MDM, in plain words for an IT
// admin ("Intune accepted the reset", "Intune says: not supported on this device"). Pure.
import { at } from "../engine.ts";
import type { ResetRequest } from "../types.ts";
import type { MdmAction, MdmActionResult } from "./mdm-port.ts";

export const ADMIN_CENTER_PASSCODE =
  "The Intune admin center shows a passcode Intune generated for seven days (Devices > the device > Overview).";

export function what(action: MdmAction): string {
  return action === "resetPasscode" ? "the passcode reset" : "the remote lock";
}

export function acceptedText(name: string, action: MdmAction, found: boolean): string {
  const short = action === "resetPasscode" ? "reset" : "lock";
  const how = found
    ? ` (${name} already listed it when Latchkey looked again after an interruption; it was not sent twice)`
    : "";
  return `${name} accepted the ${short}${how}; waiting for the device to carry it out (${name} cannot cancel it).`;
}

export function passcodeReportedText(name: string, lockNext: boolean): string {
  const then = lockNext ? " Latchkey now asks it to lock the device." : "";
  return `${name} reports the new passcode: the device's passcode was reset. It is stored encrypted and never shown here.${then}`;
}

export function noLockText(name: string, recipients: string): string {
  const to = recipients
    ? `The passcode is sent privately to ${recipients}.`
    : "Nobody can be sent the passcode.";
  return `${name} cannot lock this device remotely, so no lock is sent. ${to}`;
}

export function lockedText(name: string, pin: boolean, recipients: string): string {
  if (!pin) return `${name} reports the device locked.`;
  const to = recipients ? `it is sent privately to ${recipients}` : "nobody can be sent it";
  return `${name} reports the device locked with a six-digit unlock PIN it chose: ${to}. It is stored encrypted and never shown here.`;
}

/** Why the MDM's record of a command ends the request. */
export function resultFailureText(name: string, r: MdmActionResult): string {
  const code = r.errorCode ? ` (error code ${r.errorCode})` : "";
  if (r.state === "notSupported") {
    return `${name} says: not supported on this device. ${name} cannot carry out ${what(r.action)} on it; check what it allows with latchkey check.`;
  }
  if (r.state === "canceled") return `${name} says ${what(r.action)} was cancelled${code}.`;
  const hint =
    r.action === "resetPasscode"
      ? ` ${name} resets a passcode only on a device that a passcode policy applies to: check the device's configuration policies in the Intune admin center.`
      : " Remote lock works only on a device that has a passcode or PIN set.";
  return `${name} says ${what(r.action)} failed${code}.${hint}`;
}

export function noPasscodeText(name: string): string {
  return `${name} reports the passcode reset done but did not return the new passcode to Latchkey, so Latchkey cannot deliver it. ${ADMIN_CENTER_PASSCODE}`;
}

export function sendRetryText(name: string, action: MdmAction, message: string, next: Date): string {
  return `Could not send ${what(action)} to ${name}: ${message} Trying again at ${at(next)}.`;
}

export function unknownSendText(name: string, action: MdmAction, message: string, next: Date): string {
  return `${name} did not answer whether it took ${what(action)}: ${message} At ${at(next)} Latchkey reads ${name}'s record of the device and sends it again only if ${name} does not list it.`;
}

/** The outcome of a request through an MDM that expired, by where it stopped. */
export function expiredText(name: string, request: ResetRequest, sending: string): string {
  const when = `Expired at ${at(request.expiresAt)}`;
  if (request.state === "checked")
    return `${when}: ${name} never accepted the command. Nothing was changed on the device.`;
  if (request.state === "pushed") {
    const later =
      request.kind === "lock"
        ? `${name} cannot cancel it: the device may still lock when it next checks in.`
        : `${name} cannot cancel it: the device may still apply it when it next checks in. ${ADMIN_CENTER_PASSCODE}`;
    return `${when}: ${name} accepted the command but did not report its result in time. ${later}`;
  }
  return `${when}: ${name} reported the new passcode but not the lock.${sending}`;
}
