// A burst of /reset-passcode commands: every one is acknowledged at once, the forms are built a
// few at a time, and when the queue is full the acknowledgement itself says "busy" (nothing is
// half-opened); a form whose trigger expired while it waited is told so instead of failing. A form
// ready at once opens in one call; a slow one behind a loading view.
import { afterEach, describe, expect, it } from "vitest";
import {
  openResetForm,
  type SlackHarness,
  shownModal,
  startSlackHarness,
} from "../../support/slack-harness.ts";

const CHANNEL = "C0ITOPS";
let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("Slack reset forms under a burst", () => {
  it("answers busy in the ack when every form slot and queue place is taken, and recovers", async () => {
    h = await startSlackHarness({}, { slack: { formLimits: { concurrency: 1, maxQueue: 0 } } });
    h.fake.delay("views.open", 800);
    const first = await h.slack.command({ userId: "UADA", text: "<@UFELIX|felix>", channelId: CHANNEL });
    expect(first.status).toBe(200);
    expect(first.body).toBe("");
    const second = await h.slack.command({ userId: "UADA", text: "<@UFELIX|felix>", channelId: CHANNEL });
    expect(second.status).toBe(200);
    expect(JSON.parse(String(second.body))).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining("busy"),
    });
    // The first form opens; the refused one opened nothing.
    expect((await shownModal(h, 0)).view.callback_id).toBe("reset_form");
    expect(h.fake.callsTo("views.open")).toHaveLength(1);
    h.fake.delay("views.open", 0);
    const since = h.fake.calls.length;
    const third = await h.slack.command({ userId: "UADA", text: "<@UFELIX|felix>", channelId: CHANNEL });
    expect(third.body).toBe("");
    expect((await shownModal(h, since)).view.callback_id).toBe("reset_form");
    expect(h.fake.callsTo("views.open")).toHaveLength(2);
  });

  it("tells the admin to run the command again when the form waited past its trigger's life", async () => {
    h = await startSlackHarness({}, { slack: { formLimits: { concurrency: 1, maxQueue: 1 } } });
    h.fake.delay("views.open", 2_300);
    const first = await h.slack.command({ userId: "UADA", text: "<@UFELIX|felix>", channelId: CHANNEL });
    const queued = await h.slack.command({ userId: "UADA", text: "<@UFELIX|felix>", channelId: CHANNEL });
    expect([first.body, queued.body]).toEqual(["", ""]);
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && !h.fake.responses.some((r) => JSON.stringify(r.body).includes("busy"))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const busy = h.fake.responses.find((r) => JSON.stringify(r.body).includes("busy"));
    expect(busy?.body).toMatchObject({ response_type: "ephemeral" });
    // Only the first command's trigger was used; the stale one never reached views.open.
    expect(h.fake.callsTo("views.open")).toHaveLength(1);
  });

  it("opens a form that is ready at once in one call, and puts a loading view up first when the lookup is slow", async () => {
    h = await startSlackHarness();
    const viewCalls = (since: number) =>
      (h as SlackHarness).fake.calls.slice(since).filter((c) => c.method.startsWith("views."));
    // Slack takes 800 ms to say who ran the command (nobody is cached yet): the trigger (3 s) must
    // not wait for that, so a loading view opens, and the form replaces it.
    h.fake.delay("users.info", 800);
    let since = h.fake.calls.length;
    const slow = await openResetForm(h, { text: "<@UFELIX|felix>", channel: CHANNEL });
    expect(slow.form.callback_id).toBe("reset_form");
    const [loading, update] = viewCalls(since);
    expect([loading?.method, update?.method]).toEqual(["views.open", "views.update"]);
    expect((loading?.args.view as { callback_id?: string } | undefined)?.callback_id).toBe("loading");
    expect(update?.args.view_id).toBe(loading?.viewId);
    expect(viewCalls(since)).toHaveLength(2);
    // Known now, the form is ready within the head start: one views.open carrying it.
    h.fake.delay("users.info", 0);
    since = h.fake.calls.length;
    const fast = await openResetForm(h, { text: "<@UFELIX|felix>", channel: CHANNEL });
    expect(fast.form.callback_id).toBe("reset_form");
    expect(JSON.stringify(fast.form)).toContain("Felix Field");
    expect(viewCalls(since).map((c) => c.method)).toEqual(["views.open"]);
  });
});
