import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.ts";

describe("explore", () => {
  let h: SlackHarness;
  beforeAll(async () => { h = await startSlackHarness(); });
  afterAll(async () => { await h?.stop(); });
  it("x", async () => {
    for (const u of ["UFELIX", "USAM", "UERIN"]) {
      const before = h.fake.callsTo("views.update").length;
      await h.slack.shortcut({ userId: u, callbackId: "report_lost_device" });
      const upd = await h.fake.waitFor((c) => c.method === "views.update" && h.fake.callsTo("views.update").indexOf(c) >= before);
      console.log(u, JSON.stringify(upd.args.view, null, 1));
    }
    await h.slack.event({ type: "app_home_opened", user: "USTRANGER", tab: "home", channel: "DUSTRANGER" });
    await h.slack.event({ type: "app_home_opened", user: "UFELIX", tab: "home", channel: "DUFELIX" });
    await h.fake.waitFor((c) => c.method === "views.publish" && c.args.user_id === "UFELIX");
    await h.fake.waitFor((c) => c.method === "views.publish" && c.args.user_id === "USTRANGER");
    console.log(JSON.stringify(h.fake.homeView("USTRANGER")?.blocks));
    console.log(JSON.stringify(h.fake.homeView("UFELIX")?.blocks, null, 1));
  });
});
