// Use case: keep every chat thread that follows a request up to date: the status message shows
// the current state, each new timeline event becomes a milestone in its thread. Driven from the
// database (a cursor per thread), so a restart resumes where it stopped, and leased, so one
// worker of any process updates a thread at a time. Events that pile up while a worker is busy
// are shown together: a burst of device events costs one status update, not one per event.
import { type Engine, errorText } from "../engine.ts";
import { cancelOffer } from "../lifecycle.ts";
import type { ChatTimeline, ThreadView, TimelineObserver } from "../ports.ts";
import { type ChatThread, type Device, isFinal, type ResetRequest } from "../types.ts";

/**
 * Longer than one chat step can take with the adapters' own retry budgets (each call is bounded
 * well under it, and the lease is renewed before each step), so a live lease is never stolen; a
 * crashed worker's thread is picked up by the sweep at most this long after.
 */
const LEASE_MS = 300_000;
/** A thread that could not catch up for this long after its request ended is given up. */
const GIVE_UP_MS = 86_400_000;

/** Tells the follower about every committed event: the threads of that request catch up. */
export function threadObserver(engine: Engine): TimelineObserver {
  return { onEvent: (request) => followRequest(engine, request.id) };
}

/** Requests whose threads this process is catching up now: `again` when more came meanwhile. */
const following = new WeakMap<Engine, Map<string, { again: boolean; done: Promise<void> }>>();

/**
 * Catches up every thread of the request. A call while this process already does so for the same
 * request does not start a second round beside it (which would only find the threads leased): it
 * asks the running one to go once more and resolves when that has shown what was committed.
 */
export function followRequest(engine: Engine, requestId: string): Promise<void> {
  const surfaces = new Set(engine.timelines.map((t) => t.surface));
  if (surfaces.size === 0) return Promise.resolve();
  let running = following.get(engine);
  if (!running) {
    running = new Map();
    following.set(engine, running);
  }
  const current = running.get(requestId);
  if (current) {
    current.again = true;
    return current.done;
  }
  const round = { again: false, done: Promise.resolve() };
  const rounds = running;
  round.done = (async () => {
    try {
      do {
        round.again = false;
        const threads = await engine.stores.threads.forRequest(requestId);
        await Promise.all(
          threads.filter((t) => surfaces.has(t.surface)).map((t) => syncThread(engine, t.id)),
        );
        // Checked and cleared in the same turn as the loop ends: a call after this starts anew.
      } while (round.again);
    } finally {
      rounds.delete(requestId);
    }
  })();
  running.set(requestId, round);
  return round.done;
}

/** Sweep: threads left behind (a restart, a chat outage) catch up. */
export async function syncOpenThreads(engine: Engine, limit = 100): Promise<number> {
  if (engine.timelines.length === 0) return 0;
  const surfaces = engine.timelines.map((t) => t.surface);
  const open = await engine.stores.threads.open(limit, surfaces);
  for (const t of open) await syncThread(engine, t.id);
  return open.length;
}

export async function syncThread(engine: Engine, threadId: string): Promise<void> {
  const { threads } = engine.stores;
  const owner = engine.random.id("lease");
  for (;;) {
    const now = engine.clock.now();
    if (!(await threads.claim(threadId, owner, now, new Date(now.getTime() + LEASE_MS)))) return;
    let ok = false;
    try {
      ok = await syncOnce(engine, threadId, owner);
    } finally {
      await threads.release(threadId, owner);
    }
    // An event committed while the lease was held found it taken; its worker gave up, so look
    // once more now that the lease is free (no event is left unshown until the next sweep).
    if (!ok || !(await threads.behind(threadId))) return;
  }
}

async function syncOnce(engine: Engine, threadId: string, owner: string): Promise<boolean> {
  const { threads, requests } = engine.stores;
  const thread = await threads.get(threadId);
  const timeline = thread && engine.timelines.find((t) => t.surface === thread.surface);
  if (!thread || !timeline) return false;
  try {
    await show(engine, timeline, thread, owner);
    return true;
  } catch (err) {
    const request = await requests.get(thread.requestId);
    engine.log.warn(
      { requestId: thread.requestId, threadId: thread.id, surface: thread.surface, err: errorText(err) },
      "chat thread update failed; the sweep retries",
    );
    const ended = request?.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY;
    if (engine.clock.now().getTime() - ended > GIVE_UP_MS) await threads.close(thread.id);
    return false;
  }
}

async function show(
  engine: Engine,
  timeline: ChatTimeline,
  thread: ChatThread,
  owner: string,
): Promise<void> {
  const { threads, requests } = engine.stores;
  // Each chat step first makes sure the lease has most of its time left (renewing it once a fifth
  // has passed): a slow chat platform must not let it lapse mid-way and another worker post the
  // same milestones again. The claim itself counts as the first renewal.
  let renewedAt = engine.clock.now().getTime();
  const keep = async () => {
    const now = engine.clock.now().getTime();
    if (now - renewedAt < LEASE_MS / 5) return;
    if (!(await threads.renew(thread.id, owner, new Date(now + LEASE_MS)))) {
      throw new Error("the thread's lease was lost");
    }
    renewedAt = now;
  };
  // Events first, then the request: the state read is never older than the last event shown.
  const events = await requests.events(thread.requestId, thread.syncedEventId);
  const request = await requests.get(thread.requestId);
  if (!request) {
    await threads.close(thread.id);
    return;
  }
  const view = await threadView(engine, thread, request);
  let { messageId, conversation, shownState } = thread;
  if (!messageId) {
    await keep();
    // The status message is posted showing the current state; the events still go in its thread.
    const posted = await timeline.postStatus(view);
    await threads.setRoot(thread.id, posted.messageId, posted.conversation, request.state);
    ({ messageId, conversation } = posted);
    shownState = request.state;
  }
  const rooted = { ...view, thread: { ...thread, messageId, conversation, shownState } };
  let cursor = thread.syncedEventId;
  if (events.length > 0) {
    await keep();
    await timeline.postMilestones(rooted, events);
    // Moved as soon as the milestones are out: a failed status update must not repost them.
    cursor = events.at(-1)?.id ?? cursor;
    if (!(await threads.advance(thread.id, thread.syncedEventId, cursor))) {
      throw new Error("another worker moved the thread's cursor");
    }
  }
  if (shownState !== request.state) {
    await keep();
    await timeline.updateStatus(rooted);
    shownState = request.state;
  }
  // The thread stops following once the final state is on the status message and its event in
  // the thread (later events, such as a redaction, still reach it through the observer).
  const open = !(isFinal(request.state) && (await finalEventShown(engine, request, cursor)));
  if (shownState !== thread.shownState || open !== thread.open)
    await threads.shown(thread.id, shownState, open);
}

async function finalEventShown(engine: Engine, request: ResetRequest, cursor: number): Promise<boolean> {
  const later = await engine.stores.requests.events(request.id, cursor);
  return !later.some((e) => e.type === request.state);
}

/** A request as a status message or card shows it: device, owner, requester, whether it can be cancelled. */
export async function requestView(
  engine: Engine,
  request: ResetRequest,
  known?: { device: Device | null },
): Promise<Omit<ThreadView, "thread">> {
  const { directory } = engine.stores;
  const device = known ? known.device : await directory.device(request.deviceId);
  return {
    request,
    device,
    owner: device ? await directory.person(device.ownerEmail) : null,
    requester: await directory.person(request.requestedBy),
    ...cancelOffer(request, device?.backend ?? null),
  };
}

export async function threadView(
  engine: Engine,
  thread: ChatThread,
  request: ResetRequest,
): Promise<ThreadView> {
  const { directory } = engine.stores;
  const view = await requestView(engine, request);
  const { device } = view;
  return {
    thread,
    ...view,
    requesterChatId: await directory.chatUserOf(thread.surface, request.requestedBy),
    ownerChatId: device ? await directory.chatUserOf(thread.surface, device.ownerEmail) : null,
  };
}
