// Use cases behind "status" and "Details": the latest requests someone may see, and one
// request's full timeline. Admins see every request; an employee sees the ones they started.

import { authorize, resolveActor } from "../authorization.ts";
import type { Engine } from "../engine.ts";
import { can } from "../policy.ts";
import type { Delivery, Device, ResetRequest, Surface, TimelineEvent } from "../types.ts";

export interface RequestSummary {
  request: ResetRequest;
  device: Device | null;
}

export async function recentRequests(
  engine: Engine,
  input: { actorEmail: string; limit?: number },
): Promise<RequestSummary[]> {
  const actor = await resolveActor(engine, input.actorEmail);
  if (!actor) return [];
  const limit = Math.min(Math.max(input.limit ?? 10, 1), 50);
  const list = await engine.stores.requests.list(
    can(actor, "see_all").allowed ? { limit } : { limit, requestedBy: actor.email },
  );
  const out: RequestSummary[] = [];
  for (const request of list) {
    out.push({ request, device: await engine.stores.directory.device(request.deviceId) });
  }
  return out;
}

export type DetailsResult =
  | {
      status: "ok";
      request: ResetRequest;
      device: Device | null;
      events: TimelineEvent[];
      deliveries: Delivery[];
    }
  | { status: "not_found" | "not_allowed"; message: string };

/** One request with its whole timeline; each look is authorized and audited. */
export async function requestDetails(
  engine: Engine,
  input: { actorEmail: string; requestId: string; surface: Surface },
): Promise<DetailsResult> {
  const { requests, directory, deliveries } = engine.stores;
  const requestId = input.requestId.trim();
  const request = await requests.get(requestId);
  const device = request ? await directory.device(request.deviceId) : null;
  const decision = await authorize(engine, {
    actorEmail: input.actorEmail,
    action: "view",
    device,
    surface: input.surface,
    requestId,
    ...(request ? { requestedBy: request.requestedBy } : {}),
  });
  if (!request) return { status: "not_found", message: `No request "${requestId}".` };
  if (!decision.allowed) return { status: "not_allowed", message: decision.message };
  return {
    status: "ok",
    request,
    device,
    events: await requests.events(request.id),
    deliveries: await deliveries.forRequest(request.id),
  };
}
