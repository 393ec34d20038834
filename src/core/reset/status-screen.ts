// Use case: a request's status as one viewer sees it where they clicked (Teams refreshes a status
// card per person): the request, its device and people, whether it can be cancelled, and which
// actions this viewer is offered. Looking is authorized and audited (requestDetails); what is
// offered is the core's policy, unaudited (nothing is taken yet); the click is decided again.

import { resolveActor } from "../authorization.ts";
import type { ThreadView } from "../chat-ports.ts";
import type { Engine } from "../engine.ts";
import { can } from "../policy.ts";
import { requestView } from "../threads/follow-threads.ts";
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
  const { request, device } = d;
  const actor = await resolveActor(engine, input.actorEmail);
  const subject = { requestedBy: request.requestedBy };
  const here = input.here(await engine.stores.threads.forRequest(request.id));
  return {
    status: "ok",
    view: {
      thread: { purpose: here?.purpose ?? "requester" },
      ...(await requestView(engine, request, { device })),
    },
    offers: {
      cancel: can(actor, "cancel", subject).allowed,
      approve: can(actor, "approve", subject).allowed,
    },
  };
}
