// Use cases for the operator console (the CLI runs with the database's own rights, so nothing here
// is authorized per person): the latest requests, and one request's progress since an event.
import type { Engine } from "../engine.ts";
import type { DeviceBackend, ResetRequest, TimelineEvent } from "../types.ts";

export function latestForOperator(engine: Engine, limit: number): Promise<ResetRequest[]> {
  return engine.stores.requests.list({ limit });
}

export interface Progress {
  request: ResetRequest;
  /** Timeline events after `afterEventId`, oldest first. */
  events: TimelineEvent[];
  /** The device's back-end (null: the device left the inventory). */
  backend: DeviceBackend | null;
}

export async function requestProgress(
  engine: Engine,
  id: string,
  afterEventId = 0,
): Promise<Progress | null> {
  const { requests, directory } = engine.stores;
  const request = await requests.get(id);
  if (!request) return null;
  const events = await requests.events(request.id, afterEventId);
  const backend = (await directory.device(request.deviceId))?.backend ?? null;
  return { request, events, backend };
}
