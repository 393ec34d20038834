// Every Home tab publication (after a report, after a thread update) goes through the background
// Slack client: a 429 on it (Slack pauses a client's whole queue for Retry-After) must not hold back
// the interactive calls a 3-second trigger depends on, such as opening the next admin's reset form.
import { describe, expect, it } from "vitest";
import {
  chooseDevice,
  shownModal,
  submitConfirmation,
  useSlackHarness,
} from "../../support/slack-harness.ts";

const PIXEL = "demo-pixel-xl-android7-owner";

describe("Home refresh on the background client", () => {
  const h = useSlackHarness();

  it("a rate-limited Home refresh does not delay an admin's reset form", async () => {
    // Felix reports his phone lost: his thread moves on, and his Home tab is refreshed after it.
    let since = h.fake.calls.length;
    expect((await h.slack.shortcut({ userId: "UFELIX", callbackId: "report_lost_device" })).status).toBe(200);
    const { viewId } = await shownModal(h, since);
    const confirm = await chooseDevice(h, { userId: "UFELIX", viewId, deviceId: PIXEL });
    // Slack answers that refresh with a 429 asking for 30 seconds.
    h.fake.fail("views.publish", { status: 429, retryAfterSec: 30 }, 1);
    await submitConfirmation(h, confirm as never, viewId, "UFELIX");
    const limited = await h.fake.waitFor(
      (c) => c.method === "views.publish" && c.error === "ratelimited",
      15_000,
    );
    expect(limited.status).toBe(429);

    // Meanwhile an admin runs /reset-passcode: the form opens well inside the 30 s pause.
    since = h.fake.calls.length;
    const asked = Date.now();
    expect((await h.slack.command({ userId: "UADA", text: "<@UERIN>" })).status).toBe(200);
    const opened = await shownModal(h, since, 15_000);
    expect(opened.call.method).toBe("views.open");
    expect(opened.call.at.getTime() - asked).toBeLessThan(15_000);
  });
});
