// A burst of /reset-passcode commands: every one is acknowledged at once, the forms are built a
// few at a time, and when the queue is full the acknowledgement itself says "busy" (nothing is
// half-opened); a form whose trigger expired while it waited is told so instead of failing.
import { afterEach, describe, expect, it } from "vitest";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.ts";

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
    // The first form opens and fills; the refused one opened nothing.
    await h.fake.waitFor((c) => c.method === "views.update");
    expect(h.fake.callsTo("views.open")).toHaveLength(1);
    h.fake.delay("views.open", 0);
    const third = await h.slack.command({ userId: "UADA", text: "<@UFELIX|felix>", channelId: CHANNEL });
    expect(third.body).toBe("");
    await h.fake.waitFor((c) => c.method === "views.update" && h?.fake.callsTo("views.update").length === 2);
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
});
