// Use case: a request's status as one viewer sees it where they clicked (Teams refreshes a status
// card per person): the request, its device and people, whether it can be cancelled, and which
// actions this viewer is offered. Looking is authorized and audited (requestDetails); what is
// offered is the core's policy, unaudited (nothing is taken yet); the click is decided again.

import { resolveActor } from "../authorization.ts";
import type { ThreadView } from "../chat-ports.ts";
import type { Engine } from "../engine.ts";
import { cancelOffer } from "../lifecycle.ts";
import { can } from "../policy.ts";
import type { ChatThread, Surface, ThreadPurpose } from "../types.ts";
import { requestDetails } from "./request-status.ts";

export type StatusScreen =
  | {
      status: "ok";
      view: Omit<ThreadView, "thread"> & { thread: { purpose: ThreadPurpose } };
      /** What this viewer may do here: the buttons to show. */
      offers: { cancel: boolean; approve: boolean };
    }
  | { status: "not_found" | "not_allowed"; message: string };

export async function statusScreen(
  engine: Engine,
  input: {
    actorEmail: string;
    requestId: string;
    surface: Surface;
    /** Which of the request's threads the click came from (the platform knows its own ids). */
    here: (threads: ChatThread[]) => ChatThread | undefined;
  },
): Promise<StatusScreen> {
  const d = await requestDetails(engine, input);
  if (d.status !== "ok") return d;
  const { directory, threads } = engine.stores;
  const { request, device } = d;
  const actor = await resolveActor(engine, input.actorEmail);
  const subject = { requestedBy: request.requestedBy };
  return {
    status: "ok",
    view: {
      thread: { purpose: input.here(await threads.forRequest(request.id))?.purpose ?? "requester" },
      request,
      device,
      owner: device ? await directory.person(device.ownerEmail) : null,
      requester: await directory.person(request.requestedBy),
      ...cancelOffer(request, device?.backend ?? null),
    },
    offers: {
      cancel: can(actor, "cancel", subject).allowed,
      approve: can(actor, "approve", subject).allowed,
    },
  };
}
