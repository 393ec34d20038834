// Chat threads that follow a request, as the people in the channel would see them: one status
// message kept up to date, every timeline event once and in order as a milestone in its thread,
// the thread closed once the final state is shown. Through restarts, chat outages and concurrent
// workers, on each real database. The chat platform is a recording fake of the ChatTimeline port.
import { describe, expect, it, vi } from "vitest";
import type { Engine } from "../../src/core/engine.ts";
import type { ChatTimeline, ThreadStore, ThreadView } from "../../src/core/ports.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { followRequest, syncOpenThreads, threadObserver } from "../../src/core/threads/follow-threads.ts";
import type {
  ChatSurface,
  ChatThread,
  RequestState,
  ThreadTarget,
  TimelineEvent,
} from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, type TestEngine, testEngine, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

type Method = "postStatus" | "updateStatus" | "postMilestones";

interface TimelineCall {
  method: Method;
  threadId: string;
  conversation: string;
  messageId: string | null;
  state: RequestState;
  outcome: string | null;
  cancellable: boolean;
  eventIds: number[];
  eventTypes: string[];
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A chat platform that records what it was asked to show; it can fail or stall on demand. */
class RecordingTimeline implements ChatTimeline {
  /** Calls that succeeded: what people in the chat actually see. */
  calls: TimelineCall[] = [];
  failedCalls: TimelineCall[] = [];
  private failing: { left: number; only?: Method } = { left: 0 };
  private gates = new Map<Method, { entered: () => void; released: Promise<void> }>();
  private posted = 0;

  constructor(
    readonly surface: ChatSurface,
    /** Where a status message lands for a conversation (e.g. a user id resolves to a DM channel). */
    private resolve: (conversation: string) => string = (c) => c,
  ) {}

  /** The next `count` calls (of `only` that method, if given) throw. */
  failNext(count: number, only?: Method) {
    this.failing = { left: count, ...(only ? { only } : {}) };
  }

  /** The next call of `method` waits until released; `entered` resolves once it is waiting. */
  hold(method: Method): { entered: Promise<void>; release: () => void } {
    const entered = deferred();
    const released = deferred();
    this.gates.set(method, { entered: entered.resolve, released: released.promise });
    return { entered: entered.promise, release: released.resolve };
  }

  async postStatus(view: ThreadView) {
    await this.call("postStatus", view, []);
    this.posted += 1;
    return { messageId: `ts-${this.posted}`, conversation: this.resolve(view.thread.conversation) };
  }

  async updateStatus(view: ThreadView) {
    await this.call("updateStatus", view, []);
  }

  async postMilestones(view: ThreadView, events: TimelineEvent[]) {
    await this.call("postMilestones", view, events);
  }

  private async call(method: Method, view: ThreadView, events: TimelineEvent[]) {
    const gate = this.gates.get(method);
    if (gate) {
      this.gates.delete(method);
      gate.entered();
      await gate.released;
    }
    const record: TimelineCall = {
      method,
      threadId: view.thread.id,
      conversation: view.thread.conversation,
      messageId: view.thread.messageId,
      state: view.request.state,
      outcome: view.request.outcome,
      cancellable: view.cancellable,
      eventIds: events.map((e) => e.id),
      eventTypes: events.map((e) => e.type),
    };
    const { left, only } = this.failing;
    if (left > 0 && (!only || only === method)) {
      this.failing.left -= 1;
      this.failedCalls.push(record);
      throw new Error("chat API unavailable");
    }
    this.calls.push(record);
  }

  /** Milestone event ids shown in one thread, in the order they were posted. */
  shownEventIds(threadId: string): number[] {
    return this.calls
      .filter((c) => c.method === "postMilestones" && c.threadId === threadId)
      .flatMap((c) => c.eventIds);
  }

  /** The states the status message of one thread showed, in order (post, then each update). */
  statusStates(threadId: string): RequestState[] {
    return this.calls
      .filter((c) => c.method !== "postMilestones" && c.threadId === threadId)
      .map((c) => c.state);
  }

  statusPosts(threadId: string): TimelineCall[] {
    return this.calls.filter((c) => c.method === "postStatus" && c.threadId === threadId);
  }
}

const REQUESTER: ThreadTarget = { surface: "slack", purpose: "requester", conversation: "C1" };

async function seed({ engine }: TestEngine) {
  await engine.stores.directory.upsertInventory(people, [
    deviceInput(),
    deviceInput({
      id: "iphone",
      name: "Alice's iPhone",
      platform: "ios",
      osVersion: "17.4",
      managementMode: "mdm",
    }),
  ]);
}

async function start(engine: Engine, threads: ThreadTarget[] = [REQUESTER], deviceId = "dev-001") {
  const r = await startReset(engine, {
    actorEmail: "ada@example.com",
    deviceId,
    notifyUser: false,
    surface: "slack",
    threads,
  });
  return r;
}

async function started(engine: Engine, threads: ThreadTarget[] = [REQUESTER]): Promise<string> {
  const r = await start(engine, threads);
  if (r.status !== "started") throw new Error(`expected started, got ${r.status}`);
  return r.request.id;
}

async function device(engine: Engine, id = "dev-001") {
  const d = await engine.stores.directory.device(id);
  if (!d) throw new Error(`device ${id} missing`);
  return d;
}

/** The device picks the command up ("received"). */
async function pickUp(engine: Engine) {
  const command = await fetchPendingCommand(engine, await device(engine));
  if (!command) throw new Error("no command for the device");
}

async function step(engine: Engine, requestId: string, s: "passcode_reset" | "locked") {
  const r = await reportDeviceStep(engine, await device(engine), requestId, { step: s });
  if (!r.ok) throw new Error(`step ${s} refused: ${r.message}`);
}

/** The rest of a reset after the push: received, passcode_reset, locked -> delivered -> completed. */
const DEVICE_STEPS: ((engine: Engine, id: string) => Promise<void>)[] = [
  (e) => pickUp(e),
  (e, id) => step(e, id, "passcode_reset"),
  (e, id) => step(e, id, "locked"),
];

async function eventIds(engine: Engine, requestId: string): Promise<number[]> {
  return (await engine.stores.requests.events(requestId)).map((e) => e.id);
}

async function thread(engine: Engine, requestId: string, purpose = "requester"): Promise<ChatThread> {
  const found = (await engine.stores.threads.forRequest(requestId)).find((t) => t.purpose === purpose);
  if (!found) throw new Error(`no ${purpose} thread`);
  return found;
}

describe.each(targets)("chat threads following a request on $name", (target) => {
  const t = useTestEngine(target, { seed });

  it("posts one status message, then every event once and in order, and closes the thread at completion", async () => {
    const { engine } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    const id = await started(engine);
    const th = (await thread(engine, id)).id;

    await followRequest(engine, id);
    expect(chat.calls.map((c) => c.method)).toEqual(["postStatus", "postMilestones"]);
    expect(chat.calls[0]).toMatchObject({ state: "pushed", conversation: "C1", cancellable: true });
    expect(chat.calls[1]).toMatchObject({
      messageId: "ts-1",
      eventTypes: ["requested", "checked", "passcode_generated", "pushed"],
    });
    expect(await thread(engine, id)).toMatchObject({ messageId: "ts-1", open: true });

    const expectedBatches = [["received"], ["passcode_reset"], ["locked", "delivered", "completed"]];
    for (const [i, drive] of DEVICE_STEPS.entries()) {
      const before = chat.calls.length;
      await drive(engine, id);
      await followRequest(engine, id);
      // Each batch of new events: milestones in the thread, then the status message updated.
      expect(chat.calls.slice(before).map((c) => [c.method, c.eventTypes])).toEqual([
        ["postMilestones", expectedBatches[i]],
        ["updateStatus", []],
      ]);
    }

    expect(chat.statusPosts(th)).toHaveLength(1);
    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
    expect(chat.statusStates(th)).toEqual(["pushed", "received", "passcode_reset", "completed"]);
    const last = chat.calls.at(-1);
    expect(last).toMatchObject({ method: "updateStatus", messageId: "ts-1", state: "completed" });
    expect(last?.cancellable).toBe(false);
    expect(last?.outcome).toMatch(/^Passcode reset and device locked; passcode sent to ada@example\.com/);
    expect(await thread(engine, id)).toMatchObject({
      open: false,
      syncedEventId: (await eventIds(engine, id)).at(-1),
    });

    // Nothing new: neither a late observer nor the sweep posts anything.
    const calls = chat.calls.length;
    await followRequest(engine, id);
    expect(await syncOpenThreads(engine)).toBe(0);
    expect(chat.calls).toHaveLength(calls);
  });

  it("follows live through the observer, each thread of the request on its own status message", async () => {
    const { engine } = t();
    // A DM target: the status message lands in the DM channel the platform resolves.
    const chat = new RecordingTimeline("slack", (c) => (c.startsWith("U") ? `D-${c}` : c));
    engine.timelines.push(chat);
    // The observer's work is fire-and-forget; kept here so the test can wait for all of it before
    // the database is closed (a follower still writing would hold up the schema drop).
    const observer = threadObserver(engine);
    const inFlight: Promise<unknown>[] = [];
    engine.observers.push({
      onEvent: (request, event) => {
        const work = Promise.resolve(observer.onEvent(request, event));
        inFlight.push(work);
        return work;
      },
    });
    const owner: ThreadTarget = { surface: "slack", purpose: "owner", conversation: "U-alice" };
    const id = await started(engine, [REQUESTER, owner]);
    for (const drive of DEVICE_STEPS) await drive(engine, id);

    const threads = await engine.stores.threads.forRequest(id);
    expect(threads).toHaveLength(2);
    await vi.waitFor(
      async () => {
        const all = await eventIds(engine, id);
        for (const th of threads) expect(chat.shownEventIds(th.id)).toEqual(all);
      },
      { timeout: 10_000, interval: 20 },
    );
    const all = await eventIds(engine, id);
    // Let the followers finish writing their cursors before the test ends.
    await vi.waitFor(async () => {
      for (const th of threads)
        expect((await engine.stores.threads.get(th.id))?.syncedEventId).toBe(all.at(-1));
    });
    for (const th of threads) {
      expect(chat.statusPosts(th.id)).toHaveLength(1);
      expect(new Set(chat.shownEventIds(th.id)).size).toBe(all.length);
    }
    const ownerThread = await thread(engine, id, "owner");
    expect(ownerThread.conversation).toBe("D-U-alice");
    // Milestones and updates go where the status message landed.
    const later = chat.calls.filter((c) => c.threadId === ownerThread.id && c.method !== "postStatus");
    expect(new Set(later.map((c) => c.conversation))).toEqual(new Set(["D-U-alice"]));
    while (inFlight.length > 0) await Promise.allSettled(inFlight.splice(0));
  });

  it("shows events that arrive while another worker holds the lease, once each", async () => {
    const { engine } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    const id = await started(engine);
    const th = (await thread(engine, id)).id;

    // The first worker posts the status message and stalls posting the first milestones.
    const gate = chat.hold("postMilestones");
    const first = followRequest(engine, id);
    await gate.entered;
    // Meanwhile the device runs through every step and each event tells the followers of other
    // processes (engines of their own on the same database).
    for (const drive of DEVICE_STEPS) {
      await drive(engine, id);
      await Promise.all(Array.from({ length: 5 }, () => followRequest({ ...engine }, id)));
    }
    // Those workers found the thread leased and showed nothing.
    expect(chat.calls.map((c) => c.method)).toEqual(["postStatus"]);

    gate.release();
    await first;
    expect(chat.statusPosts(th)).toHaveLength(1);
    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
    expect(chat.statusStates(th).at(-1)).toBe("completed");
    expect((await thread(engine, id)).open).toBe(false);
  });

  it("joins a call made while this process already follows the request: it resolves once its event is shown", async () => {
    const { engine } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    const id = await started(engine);
    const th = (await thread(engine, id)).id;
    const gate = chat.hold("postMilestones");
    const first = followRequest(engine, id);
    await gate.entered;
    const [pickUpStep] = DEVICE_STEPS;
    if (!pickUpStep) throw new Error("no device step");
    await pickUpStep(engine, id);
    const callsBefore = chat.calls.length;
    let joinedDone = false;
    const joined = followRequest(engine, id).then(() => {
      joinedDone = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    // Not a second round beside the stalled one (it would find the lease taken and return).
    expect(joinedDone).toBe(false);
    expect(chat.calls).toHaveLength(callsBefore);
    gate.release();
    await joined;
    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
    await first;
    expect(chat.statusPosts(th)).toHaveLength(1);
  });

  it("keeps its lease through slow chat steps, so no second worker shows the same things", async () => {
    const { engine, clock } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    const id = await started(engine);
    const th = (await thread(engine, id)).id;
    const slowPost = chat.hold("postStatus");
    const first = followRequest(engine, id);
    await slowPost.entered;
    // Posting the status message takes the chat platform 4 minutes.
    clock.advance(4 * 60_000);
    const slowMilestones = chat.hold("postMilestones");
    slowPost.release();
    await slowMilestones.entered;
    // 6 minutes after the claim (its lease was 5): renewed before the milestones, so still held,
    // and a second worker finds it taken rather than posting the same milestones again.
    clock.advance(2 * 60_000);
    const callsBefore = chat.calls.length;
    await followRequest({ ...engine }, id); // another process
    expect(chat.calls).toHaveLength(callsBefore);
    slowMilestones.release();
    await first;
    expect(chat.statusPosts(th)).toHaveLength(1);
    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
  });

  it("shows every event exactly once when many workers follow concurrently", async () => {
    const { engine } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    const id = await started(engine);
    const th = (await thread(engine, id)).id;

    const workers: Promise<void>[] = [];
    // One follower in this process, seven in others (engines of their own on the same database).
    const kick = () => {
      for (let i = 0; i < 8; i++) workers.push(followRequest(i === 0 ? engine : { ...engine }, id));
    };
    kick();
    for (const drive of DEVICE_STEPS) {
      await drive(engine, id); // while the workers of the previous step are still running
      kick();
    }
    await Promise.all(workers);

    expect(chat.statusPosts(th)).toHaveLength(1);
    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
    await syncOpenThreads(engine); // the sweep, as after any burst
    expect((await thread(engine, id)).open).toBe(false);
    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
  });

  it("ends with the final state on the status message when an event commits mid-sync", async () => {
    const { engine } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    const id = await started(engine);
    const th = (await thread(engine, id)).id;
    await followRequest(engine, id);
    await pickUp(engine);
    await step(engine, id, "passcode_reset");
    await followRequest(engine, id);

    // The device locks (-> delivered -> completed) just after the follower read the request and
    // before it read the request's events: a real interleaving made deterministic.
    const requests = engine.stores.requests;
    let armed = true;
    const racing: Engine = {
      ...engine,
      stores: {
        ...engine.stores,
        requests: {
          ...requests,
          async get(rid) {
            const read = await requests.get(rid);
            if (armed && rid === id) {
              armed = false;
              await step(engine, id, "locked");
            }
            return read;
          },
        },
      },
    };
    await followRequest(racing, id);
    // The completion's own observer found the thread leased; later the sweep comes by.
    await syncOpenThreads(engine);

    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
    expect((await thread(engine, id)).open).toBe(false);
    // What the channel sees last on the status message must be the final state.
    expect(chat.statusStates(th).at(-1)).toBe("completed");
  });

  it("keeps the cursor when the chat fails, and the sweep catches up without repeating anything", async () => {
    const { engine, logs } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    chat.failNext(1, "postStatus");
    const id = await started(engine);
    const th = (await thread(engine, id)).id;

    await followRequest(engine, id); // resolves: the chat's failure never fails the core
    expect(chat.calls).toEqual([]);
    expect(await thread(engine, id)).toMatchObject({ messageId: null, syncedEventId: 0, open: true });
    expect(logs.join("")).toContain("chat thread update failed");

    chat.failNext(1, "postMilestones");
    expect(await syncOpenThreads(engine)).toBe(1);
    expect(chat.calls.map((c) => c.method)).toEqual(["postStatus"]);
    expect(await thread(engine, id)).toMatchObject({ messageId: "ts-1", syncedEventId: 0, open: true });

    expect(await syncOpenThreads(engine)).toBe(1);
    expect(chat.statusPosts(th)).toHaveLength(1);
    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
    expect((await thread(engine, id)).syncedEventId).toBe((await eventIds(engine, id)).at(-1));
  });

  it("does not post the same milestones twice when only the status update failed", async () => {
    const { engine } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    const id = await started(engine);
    const th = (await thread(engine, id)).id;
    await followRequest(engine, id);

    await pickUp(engine);
    chat.failNext(1, "updateStatus"); // e.g. a rate limit on chat.update, after the milestone went out
    await followRequest(engine, id);
    await syncOpenThreads(engine);

    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
    expect(chat.statusStates(th).at(-1)).toBe("received");
  });

  it("ignores a thread on a surface that has no configured timeline", async () => {
    const { engine } = t();
    const slack = new RecordingTimeline("slack");
    engine.timelines.push(slack);
    const teamsTarget: ThreadTarget = { surface: "teams", purpose: "security", conversation: "19:security" };
    const id = await started(engine, [REQUESTER, teamsTarget]);
    const teamsThread = (await engine.stores.threads.forRequest(id)).find((x) => x.surface === "teams");
    if (!teamsThread) throw new Error("no teams thread");

    // Count the lease claims on the Teams thread; should the follower spin on it, configure Teams
    // after a few rounds so that the loop ends and the test can report it instead of hanging.
    const threads = engine.stores.threads;
    let teamsClaims = 0;
    const counting: ThreadStore = {
      ...threads,
      async claim(tid, owner, now, until) {
        if (tid === teamsThread.id && ++teamsClaims === 20)
          engine.timelines.push(new RecordingTimeline("teams"));
        return threads.claim(tid, owner, now, until);
      },
    };
    const watched: Engine = { ...engine, stores: { ...engine.stores, threads: counting } };

    await followRequest(watched, id);
    expect(teamsClaims, "followRequest kept re-syncing the thread that has no timeline").toBeLessThanOrEqual(
      1,
    );
    expect(slack.calls.every((c) => c.threadId !== teamsThread.id)).toBe(true);
    expect(slack.statusPosts((await thread(engine, id)).id)).toHaveLength(1);
    // Left as it was, for when Teams is configured; the sweep only looks at configured surfaces.
    expect(await engine.stores.threads.get(teamsThread.id)).toMatchObject({
      messageId: null,
      syncedEventId: 0,
      open: true,
    });
  });

  it("lets one worker at a time hold a thread's lease, and another once it expires", async () => {
    const { engine, clock } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    const id = await started(engine);
    const th = (await thread(engine, id)).id;
    const threads = engine.stores.threads;
    const until = (ms: number) => new Date(clock.now().getTime() + ms);

    expect(await threads.claim(th, "w1", clock.now(), until(120_000))).toBe(true);
    expect(await threads.claim(th, "w2", clock.now(), until(120_000))).toBe(false);
    await threads.release(th, "w2"); // not w2's lease: nothing happens
    expect(await threads.claim(th, "w2", clock.now(), until(120_000))).toBe(false);

    // w1 is stuck (or crashed): the follower shows nothing while the lease runs.
    await followRequest(engine, id);
    clock.advance(119_000);
    await followRequest(engine, id);
    expect(chat.calls).toEqual([]);

    clock.advance(2_000); // w1's lease has expired
    await followRequest(engine, id);
    expect(chat.calls.map((c) => c.method)).toEqual(["postStatus", "postMilestones"]);
    // The follower released its lease when done: another worker may claim straight away.
    expect(await threads.claim(th, "w3", clock.now(), until(120_000))).toBe(true);
    await threads.release(th, "w3");
    expect(await threads.claim(th, "w4", clock.now(), until(120_000))).toBe(true);
  });

  it("shows a refused request as refused, with the reason, and closes its thread", async () => {
    const { engine } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    engine.observers.push(threadObserver(engine));
    const r = await start(engine, [REQUESTER], "iphone");
    expect(r.status).toBe("refused");
    const id = r.status === "refused" ? r.request.id : "";
    const th = (await thread(engine, id)).id;

    await vi.waitFor(async () => expect((await thread(engine, id)).open).toBe(false), {
      timeout: 10_000,
      interval: 20,
    });
    expect(chat.calls.map((c) => [c.method, c.state, c.eventTypes])).toEqual([
      ["postStatus", "refused", []],
      ["postMilestones", "refused", ["requested", "refused"]],
    ]);
    expect(chat.calls[0]?.outcome).toMatch(/Apple devices have no command to set a new passcode/);
    expect(chat.calls[0]?.cancellable).toBe(false);
    expect(chat.shownEventIds(th)).toEqual(await eventIds(engine, id));
  });

  it("gives up on a thread that still cannot be updated a day after its request ended", async () => {
    const { engine, clock } = t();
    const chat = new RecordingTimeline("slack");
    engine.timelines.push(chat);
    chat.failNext(Number.POSITIVE_INFINITY);
    const r = await start(engine, [REQUESTER], "iphone");
    const id = r.status === "refused" ? r.request.id : "";
    await followRequest(engine, id);
    clock.advance(3_600_000);
    expect(await syncOpenThreads(engine)).toBe(1);
    expect((await thread(engine, id)).open).toBe(true);
    clock.advance(86_400_000);
    expect(await syncOpenThreads(engine)).toBe(1);
    expect((await thread(engine, id)).open).toBe(false);
    expect(await syncOpenThreads(engine)).toBe(0);
  });
});

describe.each(targets)("chat threads across a restart on $name", (target) => {
  it("resumes from the database: the new process updates the same status message and misses nothing", async () => {
    const db = await target.fresh();
    const first = await testEngine(db.url);
    let id = "";
    let stoppedAt = new Date();
    try {
      await seed(first);
      const chat = new RecordingTimeline("slack");
      first.engine.timelines.push(chat);
      id = await started(first.engine);
      await followRequest(first.engine, id);
      expect(chat.calls.map((c) => c.method)).toEqual(["postStatus", "postMilestones"]);

      // The chat platform goes down; the device finishes the reset meanwhile.
      chat.failNext(Number.POSITIVE_INFINITY);
      for (const drive of DEVICE_STEPS) {
        await drive(first.engine, id);
        await followRequest(first.engine, id);
      }
      expect((await first.engine.stores.requests.get(id))?.state).toBe("completed");
      const shownBefore = chat.shownEventIds((await thread(first.engine, id)).id);
      expect((await thread(first.engine, id)).syncedEventId).toBe(shownBefore.at(-1));
      // Every attempt since the outage retried from the same cursor, and failed.
      expect(chat.failedCalls.at(-1)?.eventTypes).toEqual([
        "received",
        "passcode_reset",
        "locked",
        "delivered",
        "completed",
      ]);
      stoppedAt = first.clock.now();
    } finally {
      await first.close();
    }

    const second = await testEngine(db.url);
    try {
      second.clock.current = stoppedAt;
      const chat = new RecordingTimeline("slack");
      second.engine.timelines.push(chat);
      expect(await syncOpenThreads(second.engine)).toBe(1);

      const th = await thread(second.engine, id);
      const all = await eventIds(second.engine, id);
      // No second status message: the one posted before the restart is updated.
      expect(chat.calls.map((c) => [c.method, c.messageId])).toEqual([
        ["postMilestones", "ts-1"],
        ["updateStatus", "ts-1"],
      ]);
      expect(chat.calls[0]?.eventTypes).toEqual([
        "received",
        "passcode_reset",
        "locked",
        "delivered",
        "completed",
      ]);
      expect(chat.calls[0]?.eventIds).toEqual(all.slice(4));
      expect(chat.calls[1]?.state).toBe("completed");
      expect(th).toMatchObject({ open: false, syncedEventId: all.at(-1) });
      expect(await syncOpenThreads(second.engine)).toBe(0);
    } finally {
      await second.close();
      await db.drop();
    }
  });
});
