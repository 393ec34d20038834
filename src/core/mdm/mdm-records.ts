// What a request through an MDM reads in the MDM's record of a device (pure): which command it waits
// on, which record is its own (newer than the baseline it stored before its first send), and when
// to read again.
import type { ResetRequest } from "../types.ts";
import type { MdmAction, MdmActionResult } from "./mdm-port.ts";

/** The MDM's record of `action` newer than the request's baseline for it: what this request sent. */
export function ownResult(
  request: ResetRequest,
  action: MdmAction,
  results: MdmActionResult[],
): MdmActionResult | null {
  const since = request.mdmBaselines[action];
  const r = results.find((x) => x.action === action);
  if (since === undefined || !r) return null;
  if (since === "none") return r;
  return (r.startedAt?.getTime() ?? Number.NEGATIVE_INFINITY) > Date.parse(since) ? r : null;
}

export const sentKey = (action: MdmAction) => `${action}@sent`;

/**
 * When to read the MDM's record again: soon after a send, then less and less often (half the time
 * since the command was sent, within mdmFollowWaitMs), so the lock after a long reset is followed
 * as closely as the reset was, and a restart keeps the pace.
 */
export function followWaitMs(wait: { min: number; max: number }, request: ResetRequest, now: Date): number {
  const { min, max } = wait;
  const sent = request.mdmBaselines[sentKey(currentAction(request))];
  if (!sent) return min;
  return Math.min(max, Math.max(min, (now.getTime() - Date.parse(sent)) / 2));
}

/** The MDM's latest record of `action` before this request sends it: its start time, or "none". */
export function baselineOf(action: MdmAction, results: MdmActionResult[]): string {
  const r = results.find((x) => x.action === action);
  if (!r) return "none";
  return (r.startedAt ?? new Date(0)).toISOString();
}

/** The command the request waits on: the reset until the MDM reports its passcode, then the lock. */
export function currentAction(request: ResetRequest): MdmAction {
  return request.kind === "reset_and_lock" && request.state !== "passcode_reset"
    ? "resetPasscode"
    : "remoteLock";
}
