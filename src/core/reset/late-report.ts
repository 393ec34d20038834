// A device's "passcode_reset" or "locked" for a request that already ended (it expired, or an
// earlier report said it failed). The request keeps its final state, but the report is recorded in the timeline and the
// audit log, and a passcode the device says it applied is sent if nobody has been sent it yet: a
// phone offline until after the expiry is the normal case for a lost phone.
import type { Engine } from "../engine.ts";
import type { DeviceStep } from "../lifecycle.ts";
import type { NewDelivery, NewEvent } from "../ports.ts";
import { moveRequest } from "../request-gate.ts";
import type { Device, RequestState, ResetRequest } from "../types.ts";
import { deliverPending } from "./deliver.ts";
import { plannedDeliveries, recipientsText } from "./unconfirmed-reset.ts";

const SAID: Record<DeviceStep, string> = {
  received: "it picked up the command",
  passcode_reset: "it set the new passcode",
  locked: "it is locked",
  failed: "it could not complete the command",
};

const ENDED: Partial<Record<RequestState, string>> = {
  expired: "had expired",
  failed: "had failed",
  cancelled: "had been cancelled",
  refused: "had been refused",
  rejected: "had been rejected",
};

export type LateReportResult = { ok: true; state: RequestState; changed: false };

export async function recordLateReport(
  engine: Engine,
  device: Device,
  request: ResetRequest,
  step: DeviceStep,
  reason: string,
): Promise<LateReportResult> {
  const { requests, deliveries } = engine.stores;
  const unchanged: LateReportResult = { ok: true, state: request.state, changed: false };
  const said = step === "failed" ? `${SAID.failed}: ${reason}` : SAID[step];
  const detail = `After the request ${ENDED[request.state] ?? `was ${request.state}`}, the device reported that ${said}.`;
  // A device retries a report whose answer it did not get: one line in the timeline is enough.
  const earlier = await requests.events(request.id);
  if (earlier.some((e) => e.type === "late_report" && e.detail.startsWith(detail))) return unchanged;

  const applied = request.kind === "reset_and_lock" && (step === "passcode_reset" || step === "locked");
  const cipher = applied ? await requests.passcodeCipher(request.id) : null;
  const queued = cipher !== null && (await deliveries.forRequest(request.id)).length === 0;
  const planned = queued ? await plannedDeliveries(engine, request) : [];
  const e: NewEvent = {
    type: "late_report",
    actor: `device:${device.id}`,
    detail: detail + after(applied, cipher, queued, planned),
  };
  const written = await moveRequest(engine, request, {
    // A note on a request that stays as it is: the compare-and-set keeps the state it was read in.
    from: [request.state],
    to: request.state,
    event: e,
    deliveries: planned,
    audit: {
      actor: `device:${device.id}`,
      surface: "device",
      action: "device.late_report",
      outcome: "ok",
      deviceId: device.id,
      requestId: request.id,
      detail: `${step} reported after the request ended (${request.state})`,
    },
  });
  if (!written) return unchanged;
  if (applied && !cipher) {
    engine.log.error(
      { requestId: request.id, deviceId: device.id, step },
      "a device applied a passcode that was already erased; its owner cannot unlock it",
    );
  }
  if (planned.length > 0) await deliverPending(engine, { requestId: request.id });
  return unchanged;
}

function after(applied: boolean, cipher: string | null, queued: boolean, planned: NewDelivery[]): string {
  if (!applied) return "";
  if (!cipher) {
    return " Its passcode had already been erased, so it cannot be sent: the device needs an admin's unlock or a factory reset.";
  }
  if (!queued) return " The new passcode was already sent.";
  if (planned.length > 0) return ` The new passcode is sent privately to ${recipientsText(planned)}.`;
  return " Nobody can be sent the new passcode: no private channel reaches the requester.";
}
