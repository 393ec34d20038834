// Who may do what: the one place that decides, and pure (no I/O, no audit). Surfaces ask `can` to
// decide what to offer (a Cancel or Approve button, the reset form, the admin's list); use cases
// take the action through `authorize` (authorization.ts), which asks `can` and writes the audited
// decision. Admins (configured or with the admin role) act on any device; an employee acts only on
// their own devices, and only to report one lost; the two-person rule needs an admin who is not
// the requester.
import type { Person } from "./types.ts";

export type PolicyAction =
  /** Reset a device's passcode (and lock it), or open the reset form for someone. */
  | "reset"
  /** Report a device lost: an employee, their own. */
  | "report_lost"
  /** Withdraw a request. */
  | "cancel"
  /** See a request's details. */
  | "view"
  /** Approve, or reject, a request that waits for a second admin. */
  | "approve"
  | "reject"
  /** See every admin's requests (App Home, the recent list), not only one's own. */
  | "see_all";

/** What the action is on: whose device, whose request. */
export interface Subject {
  ownerEmail?: string | null;
  requestedBy?: string | null;
}

export type Verdict = { allowed: true } | { allowed: false; message: string };

const UNKNOWN = "You are not known to Latchkey: ask IT to add you to the inventory.";
const YES: Verdict = { allowed: true };
const no = (message: string): Verdict => ({ allowed: false, message });

export function isAdmin(actor: Person | null): boolean {
  return actor?.role === "admin";
}

export function can(actor: Person | null, action: PolicyAction, subject: Subject = {}): Verdict {
  if (!actor) return no(UNKNOWN);
  const own = subject.ownerEmail != null && subject.ownerEmail === actor.email;
  const theirs = subject.requestedBy != null && subject.requestedBy === actor.email;
  switch (action) {
    case "approve":
    case "reject":
      if (!isAdmin(actor)) return no(`Only IT admins can ${action} a reset. This attempt has been recorded.`);
      if (!theirs) return YES;
      return no(
        action === "approve"
          ? "You asked for this reset, so a second admin must approve it (two-person rule). This attempt has been recorded."
          : "You asked for this reset: use Cancel to withdraw it. Rejecting is for a second admin.",
      );
    case "see_all":
      return isAdmin(actor) ? YES : no("Only IT admins see every request.");
    default:
      if (isAdmin(actor)) return YES;
      if ((action === "cancel" || action === "view") && theirs) return YES;
      if (own && (action === "report_lost" || action === "view")) return YES;
      if (action === "reset" && own) {
        return no("Only IT admins can reset a passcode. If your device is lost, report it lost instead.");
      }
      return no("Only IT admins can act on someone else's device. This attempt has been recorded.");
  }
}
