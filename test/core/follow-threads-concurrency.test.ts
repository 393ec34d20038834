// Chat threads under concurrent workers: a thread's lease lets one worker at a time show it (and
// another once it expires), kept through slow chat steps; events that arrive while another worker
// holds the lease, a call that joins this process's running follower, many workers at once and an
// event committed mid-sync are each shown exactly once, the status message ending on the final
// state. On each real database; the chat platform is the recording fake of follow-threads-setup.ts.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/core/engine.ts";
import { followRequest, syncOpenThreads } from "../../src/core/threads/follow-threads.ts";
import { dbTargets } from "../support/databases.ts";
import { useTestEngine } from "../support/test-engine.ts";
import {
  DEVICE_STEPS,
  eventIds,
  pickUp,
  RecordingTimeline,
  seed,
  started,
  step,
  thread,
} from "./follow-threads-setup.ts";

const targets = await dbTargets();

describe.each(targets)("chat threads following a request on $name", (target) => {
  const t = useTestEngine(target, { seed });
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
});
