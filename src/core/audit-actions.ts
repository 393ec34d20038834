// Every kind of audit row Latchkey writes, in one closed list: a reviewer reads here what the audit
// log can hold, and the compiler refuses a row of any other kind. Each row also has an actor, a
// surface, an outcome (ok, allowed, refused, failed), the device and request when there are, and
// a detail in plain words (never a passcode).
import type { PolicyAction } from "./policy.ts";

export const AUDIT_ACTIONS = {
  // Requests (start-reset.ts, cancel-reset.ts, expire.ts)
  reset: "an admin started a reset and lock (or was refused one)",
  report_lost: "an employee reported their own device lost (or was refused)",
  "request.cancel": "a request was withdrawn before the device (or Intune) took it",
  "request.expire": "a request ended unfinished at its deadline",
  // The two-person rule (approve-reset.ts)
  "approval.approve": "a second admin approved (or was refused approving)",
  "approval.reject": "a second admin rejected (or was refused rejecting)",
  "approval.expire": "a request expired waiting for its approval",
  // Decisions of the policy, taken (authorization.ts)
  "authorize.reset": "may this actor reset this device",
  "authorize.report_lost": "may this actor report this device lost",
  "authorize.cancel": "may this actor cancel this request",
  "authorize.view": "may this actor see this request",
  // Devices and their agents (enrollment.ts, device-commands.ts, late-report.ts, device API)
  "device.enrollment_code": "an enrollment code was issued for a device",
  "device.enroll": "a device agent enrolled (or was refused)",
  "device.authenticate": "a device API call with a secret no device has, refused",
  "device.failed": "a device agent reported that it could not carry out a command",
  "device.late_report": "a device agent reported a step after its request had ended",
  "device.rate_limited": "a device API caller was slowed down",
  "device.refusals": "device API calls refused in one window, summed up",
  // Intune (mdm-sequence.ts, sync-intune.ts)
  "mdm.command": "Intune accepted a command (resetPasscode, remoteLock)",
  "mdm.failed": "Intune reported a command failed, or refused it",
  "inventory.sync": "an inventory sync from Intune, with its counts",
  "inventory.import": "an inventory file was imported",
  // The passcode (deliver.ts, redact.ts, resend-passcode.ts)
  "passcode.delivery": "a passcode was sent privately to one person by one channel (or could not be)",
  "passcode.redact": "a passcode was removed from a chat message (or could not be)",
  "passcode.resend": "an admin asked to send a kept passcode again",
  // Who is who (Slack identity, chat relinks, Teams activities)
  "identity.refused": "a chat user could not be matched to a person",
  "identity.relink": "a chat user id was matched again or forgotten",
  "teams.activity": "a Teams activity was refused at the gate",
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** `authorize.<action>` rows are the policy's decisions on the actions a use case takes. */
export type AuthorizedAction = Extract<PolicyAction, "reset" | "report_lost" | "cancel" | "view">;
