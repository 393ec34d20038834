// Chat threads through chat outages and restarts: a failed chat call keeps the thread's cursor and
// the sweep catches up without repeating anything (nor the milestones when only the status update
// failed); a thread that still cannot be updated a day after its request ended is given up; a new
// process resumes from the database, updating the same status message and missing nothing. On each
// real database; the chat platform is the recording fake of follow-threads-setup.ts.
import { describe, expect, it } from "vitest";
import { followRequest, syncOpenThreads } from "../../src/core/threads/follow-threads.ts";
import { dbTargets } from "../support/databases.ts";
import { testEngine, useTestEngine } from "../support/test-engine.ts";
import {
  DEVICE_STEPS,
  eventIds,
  pickUp,
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
