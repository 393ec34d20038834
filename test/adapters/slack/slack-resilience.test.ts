// Slack misbehaving while a reset runs: rate limits (429 + Retry-After), server errors on
// chat.update, a channel the bot cannot post in, and a full outage. The reset itself never
// depends on Slack; the channel still ends up with one status message showing the final state
// and each milestone once in its thread. And Latchkey paces itself: a burst of resets in one
// channel stays under Slack's per-channel and chat.update rates.
import { afterAll, describe, expect, it, vi } from "vitest";
import { deliverPending } from "../../../src/core/reset/deliver.ts";
import { syncOpenThreads } from "../../../src/core/threads/follow-threads.ts";
import type { FakeSlackCall, FakeSlackMessage } from "../../fakes/fake-slack-api.ts";
import {
  completedThread,
  confirmationFor,
  isStatusOf,
  requestFor,
  type SlackHarness,
  submitConfirmation,
  useSlackHarness,
  waitForPasscodeDm,
  waitForStatus,
  waitForThreadLine,
} from "../../support/slack-harness.ts";

const text = (v: unknown) => JSON.stringify(v);

/** The thread lines a person reads, in order, for the milestones they care about. */
const STEPS = [
  "*Checked*",
  "*Sent to the device*",
  "*Received by the device*",
  "*Passcode reset*",
  "*Locked*",
];

/** Status messages of a request: top-level, with its Details button (a passcode DM has none). */
function statusMessages(h: SlackHarness, channel: string, requestId: string): FakeSlackMessage[] {
  return h.fake.messages(channel).filter((m) => isStatusOf(m, requestId));
}

function thread(h: SlackHarness, channel: string, ts: string): string[] {
  return h.fake
    .messages(channel)
    .filter((m) => m.thread_ts === ts)
    .flatMap((m) => m.text.split("\n"));
}

/** Each milestone shown once, in the order it happened. */
function expectMilestonesOnce(lines: string[], steps: string[] = STEPS): void {
  const at = steps.map((s) => lines.findIndex((l) => l.includes(s)));
  for (const [i, s] of steps.entries()) {
    expect(at[i], `${s} in the thread`).toBeGreaterThanOrEqual(0);
    expect(
      lines.filter((l) => l.includes(s)),
      `${s} shown once`,
    ).toHaveLength(1);
  }
  expect([...at].sort((a, b) => a - b)).toEqual(at);
}

describe("Slack resilience: rate limits, errors, a channel the bot cannot use, an outage", () => {
  const h = useSlackHarness();
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("a 429 with Retry-After: 1 on the status message: it arrives once, after the wait", async () => {
    const channel = "C0RATE";
    const view = await confirmationFor(h, {
      target: "<@UFELIX|felix>",
      deviceId: "demo-pixel-xl-android7-owner",
      channel,
    });
    h.fake.fail("chat.postMessage", { status: 429, retryAfterSec: 1 });
    await submitConfirmation(h, view, "VRATE1");
    const request = await requestFor(h, "demo-pixel-xl-android7-owner");
    const status = await completedThread(h, channel, request.id);

    const posts = h.fake.callsTo("chat.postMessage");
    const limited = posts.find((c) => c.status === 429);
    const delivered = posts.find((c) => c.status === 200 && c.args.channel === channel && !c.args.thread_ts);
    expect(limited).toBeDefined();
    expect(delivered).toBeDefined();
    // Retry-After honoured: not retried before about a second.
    expect((delivered?.at.getTime() ?? 0) - (limited?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(950);
    expect(statusMessages(h, channel, request.id)).toHaveLength(1);
    expectMilestonesOnce(thread(h, channel, status.ts));
  });

  it("500s on chat.update are retried: the status message still shows Completed", async () => {
    const channel = "C0UPDATE";
    const view = await confirmationFor(h, {
      target: "leo.legal@example.com",
      deviceId: "demo-lumia-950-win10-mobile",
      channel,
    });
    const updatesBefore = h.fake.callsTo("chat.update").length;
    h.fake.fail("chat.update", { status: 500 }, 2);
    await submitConfirmation(h, view, "VUPDATE1");
    const request = await requestFor(h, "demo-lumia-950-win10-mobile");
    const status = await completedThread(h, channel, request.id);

    const updates = h.fake.callsTo("chat.update").slice(updatesBefore);
    expect(updates.slice(0, 3).map((c) => c.status)).toEqual([500, 500, 200]);
    // The retried update was the same edit of the same message.
    expect(updates[2]?.args.ts).toBe(updates[0]?.args.ts);
    expect(updates[2]?.args.text).toBe(updates[0]?.args.text);
    const shown = h.fake.messages(channel).find((m) => m.ts === status.ts);
    expect(shown?.text).toContain("Completed");
    expect(text(shown?.blocks)).not.toContain("cancel_request");
    expect(statusMessages(h, channel, request.id)).toHaveLength(1);
    expectMilestonesOnce(thread(h, channel, status.ts));
  });

  it("chat.update failing beyond its retries: the sweep brings the status message up to date, no line twice", async () => {
    const channel = "C0UPDATE2";
    const view = await confirmationFor(h, {
      target: "<@UADA|ada>",
      deviceId: "demo-pixel-8-owner",
      channel,
    });
    // Two whole updates fail (1 try + 2 retries each).
    h.fake.fail("chat.update", { status: 500 }, 6);
    await submitConfirmation(h, view, "VUPDATE2");
    const request = await requestFor(h, "demo-pixel-8-owner");
    const status = await waitForStatus(h, channel, request.id);
    await waitForThreadLine(h, channel, status.ts, "*Completed*", 20_000);
    await expect
      .poll(() => h.fake.callsTo("chat.update").filter((c) => c.status === 500).length)
      .toBeGreaterThanOrEqual(6);
    // What the scheduler does every 15 s.
    await syncOpenThreads(h.running.core.engine);
    await expect
      .poll(() => h.fake.messages(channel).find((m) => m.ts === status.ts)?.text)
      .toContain("Completed");
    expect(statusMessages(h, channel, request.id)).toHaveLength(1);
    const lines = thread(h, channel, status.ts);
    expectMilestonesOnce(lines, [...STEPS, "*Completed*"]);
  });

  it("a channel the bot cannot post in: the request is followed in the admin's DM, with a note saying why", async () => {
    const channel = "C0PRIVATE";
    const view = await confirmationFor(h, {
      target: "omar.ops@example.com",
      deviceId: "demo-lumia-930-wp81",
      channel,
    });
    h.fake.fail("chat.postMessage", { error: "not_in_channel" });
    await submitConfirmation(h, view, "VPRIVATE1");
    const request = await requestFor(h, "demo-lumia-930-wp81");

    const status = await completedThread(h, "DUADA", request.id);
    const dm = h.fake.messages("DUADA");
    const note = dm.find((m) => m.text.includes("could not post in"));
    expect(note?.text).toContain(`<#${channel}>`);
    expect(note?.text).toMatch(/\/invite/);
    expect(note?.text).toMatch(/follow this request here/);
    // The note comes first, then the status message it explains.
    expect(dm.indexOf(note as FakeSlackMessage)).toBeLessThan(dm.indexOf(status));
    expect(statusMessages(h, "DUADA", request.id)).toHaveLength(1);
    expectMilestonesOnce(thread(h, "DUADA", status.ts));
    expect(h.fake.messages(channel)).toEqual([]);
  });

  it("Slack entirely down: the reset still runs; once Slack is back the thread catches up", async () => {
    const channel = "C0OUTAGE";
    const { engine } = h.running.core;
    const deviceId = "demo-galaxy-s7-android6-admin";
    const view = await confirmationFor(h, { target: "<@UFELIX|felix>", deviceId, channel });
    const mails = (await h.outbox()).length;
    const failedBefore = h.fake.callsTo("chat.postMessage").filter((c) => c.status === 503).length;
    const OUTAGE = 100;
    h.fake.fail("chat.postMessage", { status: 503 }, OUTAGE);
    await submitConfirmation(h, view, "VOUTAGE1");
    const request = await requestFor(h, deviceId);

    // The phone is reset and locked, and the passcode goes out by email, with Slack down.
    await expect
      .poll(async () => (await engine.stores.requests.get(request.id))?.state, { timeout: 10_000 })
      .toBe("locked");
    await expect.poll(async () => (await h.outbox()).length).toBe(mails + 1);
    // The DM could not go out: it is retried later, not lost.
    await expect
      .poll(async () =>
        (await engine.stores.requests.events(request.id)).some((e) => e.type === "delivery_retry"),
      )
      .toBe(true);
    expect(h.fake.messages(channel)).toEqual([]);
    const failed = h.fake.callsTo("chat.postMessage").filter((c) => c.status === 503).length - failedBefore;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(OUTAGE);

    // Slack is back: the rest of the outage is used up by calls of our own, in another channel.
    await vi.waitFor(
      async () => {
        const res = await fetch(`${h.fake.apiUrl}chat.postMessage`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer xoxb-test-token" },
          body: JSON.stringify({ channel: "C0DRAIN", text: "drain" }),
        });
        if (res.status !== 200) throw new Error("Slack is still down");
      },
      { timeout: 10_000, interval: 1 },
    );

    // The sweep the scheduler runs every 15 s.
    await syncOpenThreads(engine);
    const status = await waitForStatus(h, channel, request.id);
    expect(status.text).toContain("Locked");
    await expect.poll(() => thread(h, channel, status.ts).some((l) => l.includes("*Locked*"))).toBe(true);
    const caughtUp = thread(h, channel, status.ts);
    expectMilestonesOnce(caughtUp);
    expect(caughtUp.some((l) => l.includes("*Delivery retry*"))).toBe(true);

    // The DM retry comes due (10 s later; the clock is moved rather than waited for).
    const later = Date.now() + 60_000;
    const clock = vi.spyOn(engine.clock, "now").mockImplementation(() => new Date(later));
    try {
      await deliverPending(engine);
      await completedThread(h, channel, request.id);
    } finally {
      clock.mockRestore();
    }
    expect((await engine.stores.requests.get(request.id))?.state).toBe("completed");
    expect(statusMessages(h, channel, request.id)).toHaveLength(1);
    expectMilestonesOnce(thread(h, channel, status.ts), [...STEPS, "*Completed*"]);
    await waitForPasscodeDm(h, "DUADA", "Galaxy S7");
  });
});

describe("Slack pacing: a burst of resets in one channel", () => {
  const h = useSlackHarness({}, { slack: { postIntervalMs: 250, updateIntervalMs: 250 } });

  /**
   * Calls reach Slack at least `intervalMs` apart: for every pair, (j - i) intervals apart, less
   * `jitterMs` for the time between the gate's go-ahead and the request reaching the fake (an
   * event-loop stall there is outside the gate's reach). Without pacing they arrive a few
   * milliseconds apart.
   */
  function expectPaced(calls: FakeSlackCall[], intervalMs: number, jitterMs = 60): void {
    const times = calls.map((c) => c.at.getTime()).sort((a, b) => a - b);
    for (let i = 0; i < times.length; i++) {
      for (let j = i + 1; j < times.length; j++) {
        const gap = (times[j] ?? 0) - (times[i] ?? 0);
        expect(gap, `calls ${i} and ${j} of ${times.length}`).toBeGreaterThanOrEqual(
          (j - i) * intervalMs - jitterMs,
        );
      }
    }
    const first = times[0] ?? 0;
    const last = times.at(-1) ?? 0;
    expect((last - first) / Math.max(times.length - 1, 1)).toBeGreaterThanOrEqual(intervalMs - 10);
  }

  it("three resets at once: posts to the channel and status updates are spaced, and all three complete", async () => {
    const channel = "C0BURST";
    const targets = [
      { target: "<@UFELIX|felix>", deviceId: "demo-pixel-xl-android7-owner" },
      { target: "leo.legal@example.com", deviceId: "demo-lumia-950-win10-mobile" },
      { target: "omar.ops@example.com", deviceId: "demo-lumia-930-wp81" },
    ];
    const views = [];
    for (const t of targets) views.push(await confirmationFor(h, { ...t, channel }));
    await Promise.all(views.map((v, i) => submitConfirmation(h, v, `VBURST${i}`)));

    const requests = await Promise.all(targets.map((t) => requestFor(h, t.deviceId)));
    for (const r of requests) {
      const status = await completedThread(h, channel, r.id, 15_000);
      expect(statusMessages(h, channel, r.id)).toHaveLength(1);
      expectMilestonesOnce(thread(h, channel, status.ts), [...STEPS, "*Completed*"]);
    }

    const posts = h.fake.callsTo("chat.postMessage").filter((c) => c.args.channel === channel);
    expect(posts.length).toBeGreaterThanOrEqual(9);
    expect(posts.every((c) => c.status === 200)).toBe(true);
    expectPaced(posts, 250);

    const updates = h.fake.callsTo("chat.update");
    expect(updates.length).toBeGreaterThanOrEqual(3);
    expectPaced(updates, 250);
    // Paced, so Slack never had to say "slow down".
    expect(h.fake.calls.filter((c) => c.status === 429)).toEqual([]);
  });
});
