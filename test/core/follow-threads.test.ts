// Chat threads that follow a request, as the people in the channel would see them: one status
// message kept up to date, every timeline event once and in order as a milestone in its thread,
// the thread closed once the final state is shown (a refused request's too), each thread of a
// request on its own status message, a surface with no configured timeline left alone. On each real
// database. The chat platform is a recording fake of the ChatTimeline port (follow-threads-setup.ts).
// Concurrent workers: follow-threads-concurrency.test.ts; chat outages and restarts:
// follow-threads-failures.test.ts.
import { describe, expect, it, vi } from "vitest";
import type { Engine } from "../../src/core/engine.ts";
import type { ThreadStore } from "../../src/core/ports.ts";
import { followRequest, syncOpenThreads, threadObserver } from "../../src/core/threads/follow-threads.ts";
import type { ThreadTarget } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { useTestEngine } from "../support/test-engine.ts";
import {
  DEVICE_STEPS,
  eventIds,
  REQUESTER,
  RecordingTimeline,
  seed,
  start,
  started,
  thread,
} from "./follow-threads-setup.ts";

const targets = await dbTargets();

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
});
