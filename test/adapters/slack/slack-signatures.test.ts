// What reaches POST /slack/events that Slack did not send, or sent more than once. Unsigned,
// mis-signed, wrongly keyed and replayed (stale) requests are refused with 401 before anything
// runs: no modal, no request, no audit row. Slack's event redeliveries and a double-clicked
// confirmation start nothing twice; an oversized body is refused and the server keeps serving.
import { describe, expect, it } from "vitest";
import {
  completedThread,
  confirmationFor,
  SIGNING_SECRET,
  shownModal,
  useSlackHarness,
} from "../../support/slack-harness.ts";
import { signSlack } from "../../support/slack-requests.ts";

const CHANNEL = "C0SIGNED";
const FORM = "application/x-www-form-urlencoded";
const text = (v: unknown) => JSON.stringify(v);

describe("Slack request signatures, redeliveries and double submissions", () => {
  const h = useSlackHarness();

  /** A slash command body as Slack sends it: an admin asking for Felix's devices. */
  function commandBody(): string {
    return new URLSearchParams({
      token: "legacy-verification-token",
      team_id: h.fake.teamId,
      team_domain: "fake-latchkey",
      channel_id: CHANNEL,
      channel_name: "general",
      user_id: "UADA",
      user_name: "ada",
      command: "/reset-passcode",
      text: "<@UFELIX|felix>",
      api_app_id: "A0LATCHKEY",
      is_enterprise_install: "false",
      response_url: h.fake.responseUrl(),
      trigger_id: h.fake.issueTriggerId(),
    }).toString();
  }

  /** A "Reset and lock" submission as Slack would send it: accepted, it would start a reset. */
  function confirmBody(viewId: string): string {
    const view = {
      id: viewId,
      type: "modal",
      callback_id: "reset_confirm",
      private_metadata: JSON.stringify({
        c: CHANNEL,
        o: "felix.field@example.com",
        d: "demo-galaxy-s7-android6-admin",
        n: false,
      }),
      blocks: [],
      state: { values: {} },
      hash: "1.h1",
    };
    const payload = {
      type: "view_submission",
      team: { id: h.fake.teamId, domain: "fake-latchkey" },
      user: { id: "UADA", username: "ada", name: "ada", team_id: h.fake.teamId },
      api_app_id: "A0LATCHKEY",
      token: "legacy-verification-token",
      trigger_id: h.fake.issueTriggerId(viewId),
      view,
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  }

  const now = () => Math.floor(Date.now() / 1000);
  const forged: [string, (body: string) => Record<string, string>][] = [
    ["no signature at all", () => ({})],
    ["a timestamp but no signature", () => ({ "x-slack-request-timestamp": String(now()) })],
    [
      "a wrong signature",
      (body) => ({
        ...signSlack(SIGNING_SECRET, body),
        "x-slack-signature": `v0=${"0".repeat(64)}`,
      }),
    ],
    ["the signature of another body", (body) => signSlack(SIGNING_SECRET, `${body}&extra=1`)],
    ["a wrong signing secret", (body) => signSlack("not-the-signing-secret", body)],
    [
      "a stale timestamp (6 minutes old: a replay)",
      (body) => signSlack(SIGNING_SECRET, body, now() - 6 * 60),
    ],
  ];

  async function snapshot() {
    const { stores } = h.running.core.engine;
    return {
      requests: (await stores.requests.list({ limit: 500 })).length,
      audit: (await stores.audit.list({})).length,
      // Bolt's own auth.test at start-up aside, every Web API call the app made.
      calls: h.fake.calls.filter((c) => c.method !== "auth.test").length,
      messages: h.fake.allMessages().length,
    };
  }

  it.each(forged)("refuses a command with %s: 401, and nothing happens", async (_what, headers) => {
    const before = await snapshot();
    const body = commandBody();
    const res = await h.slack.raw(body, { "content-type": FORM, ...headers(body) });
    expect(res.status).toBe(401);
    expect(res.body).toBe("");
    expect(await snapshot()).toEqual(before);
    expect(h.fake.callsTo("views.open")).toHaveLength(0);
    expect(h.fake.responses).toHaveLength(0);
  });

  it.each(forged)("refuses a confirmation with %s: 401, no reset starts", async (_what, headers) => {
    const before = await snapshot();
    const body = confirmBody("VFORGED1");
    const res = await h.slack.raw(body, { "content-type": FORM, ...headers(body) });
    expect(res.status).toBe(401);
    expect(await snapshot()).toEqual(before);
    const requests = await h.running.core.engine.stores.requests.list({
      limit: 5,
      deviceId: "demo-galaxy-s7-android6-admin",
    });
    expect(requests).toEqual([]);
  });

  it("accepts the same command correctly signed: the form opens (and the forged ones left no trace)", async () => {
    const earlier = await h.running.core.engine.stores.audit.list({});
    const auditBefore = earlier.length;
    const body = commandBody();
    const res = await h.slack.raw(body, { "content-type": FORM, ...signSlack(SIGNING_SECRET, body) });
    expect(res.status).toBe(200);
    const { view } = await shownModal(h, 0);
    expect(view.callback_id).toBe("reset_form");
    expect(text(view)).toContain("Felix Field");
    // Only this request opened a modal and was authorized.
    expect(h.fake.callsTo("views.open")).toHaveLength(1);
    const audit = (await h.running.core.engine.stores.audit.list({})).slice(auditBefore);
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.every((a) => a.actor === "ada.admin@example.com")).toBe(true);
    // Nothing earlier was audited but the simulated phones' own enrollment at start-up: the
    // forged requests never reached a handler.
    expect(earlier.filter((a) => a.surface !== "device" && !a.action.startsWith("device."))).toEqual([]);
  });

  it("a signed request with a 4-minute-old timestamp (inside the replay window) is accepted", async () => {
    const body = new URLSearchParams({
      token: "legacy-verification-token",
      team_id: h.fake.teamId,
      channel_id: CHANNEL,
      user_id: "UADA",
      user_name: "ada",
      command: "/reset-passcode",
      text: "help",
      response_url: h.fake.responseUrl(),
      trigger_id: h.fake.issueTriggerId(),
    }).toString();
    const res = await h.slack.raw(body, {
      "content-type": FORM,
      ...signSlack(SIGNING_SECRET, body, now() - 4 * 60),
    });
    expect(res.status).toBe(200);
    expect((res.json() as { text: string }).text).toContain("/reset-passcode status");
  });

  it("Slack's redeliveries of app_home_opened (X-Slack-Retry-Num) only republish the same Home tab", async () => {
    const before = await snapshot();
    const event = { type: "app_home_opened", user: "UADA", channel: "DUADA", tab: "home" };
    const first = await h.slack.event(event);
    expect(first.status).toBe(200);
    await h.fake.waitFor((c) => c.method === "views.publish" && c.args.user_id === "UADA");
    const home = text(h.fake.homeView("UADA")?.blocks);
    expect(home).toContain("My devices");
    expect(home).toContain("Pixel 8");

    for (const retryNum of [1, 2]) {
      const again = await h.slack.event(event, {
        eventId: first.eventId,
        retryNum,
        retryReason: "http_timeout",
      });
      expect(again.status).toBe(200);
    }
    // A redelivery may be dropped or may republish (views.publish is idempotent): either is fine.
    // There is no answer to wait for, so give the redeliveries time to run.
    await new Promise((r) => setTimeout(r, 300));
    const publishes = h.fake.callsTo("views.publish");
    expect(publishes.length).toBeGreaterThanOrEqual(1);
    expect(publishes.length).toBeLessThanOrEqual(3);
    expect(publishes.filter((c) => c.status !== 200 || c.error)).toEqual([]);
    // One Home tab, the same content; no message, no request, no audit row.
    expect(text(h.fake.homeView("UADA")?.blocks)).toBe(home);
    const after = await snapshot();
    expect(after.requests).toBe(before.requests);
    expect(after.audit).toBe(before.audit);
    expect(after.messages).toBe(before.messages);
    expect(h.fake.callsTo("chat.postMessage")).toHaveLength(0);
  });

  async function completedIn(deviceId: string) {
    const requests = await h.running.core.engine.stores.requests.list({ limit: 10, deviceId });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    const status = await completedThread(h, CHANNEL, String(request?.id));
    return { request, status };
  }

  function statusMessagesFor(deviceName: string) {
    return h.fake.messages(CHANNEL).filter((m) => !m.thread_ts && m.text.includes(deviceName));
  }

  it("the same confirmation submitted twice at once (a double click) starts one reset, one status message", async () => {
    const deviceId = "demo-pixel-xl-android7-owner";
    const confirm = await confirmationFor(h, { target: "<@UFELIX|felix>", channel: CHANNEL, deviceId });
    const ephemerals = h.fake.ephemerals().length;
    const submit = () => h.slack.viewSubmission({ userId: "UADA", view: { ...confirm, id: "VDOUBLE1" } });
    const [a, b] = await Promise.all([submit(), submit()]);
    expect(a.json()).toEqual({ response_action: "clear" });
    expect(b.json()).toEqual({ response_action: "clear" });

    const { request } = await completedIn(deviceId);
    expect(statusMessagesFor("Felix's Pixel XL")).toHaveLength(1);
    const started = (await h.running.core.engine.stores.audit.list({})).filter(
      (x) => x.action === "reset" && x.deviceId === deviceId,
    );
    expect(started.map((x) => x.outcome)).toEqual(["ok"]);
    // The admin is not told that "a request is already in progress": it is their own click.
    expect(h.fake.ephemerals().slice(ephemerals)).toEqual([]);
    expect(h.fake.messages("DUADA").filter((m) => m.text.includes("already in progress"))).toEqual([]);
    // One passcode DM for that request.
    await expect
      .poll(() => h.fake.messages("DUADA").filter((m) => text(m.blocks).includes(String(request?.id))).length)
      .toBe(1);
  });

  it("the same confirmation submitted again later (a redelivery) starts nothing more", async () => {
    const deviceId = "demo-lumia-950-win10-mobile";
    const confirm = await confirmationFor(h, { target: "leo.legal@example.com", channel: CHANNEL, deviceId });
    const submit = () => h.slack.viewSubmission({ userId: "UADA", view: { ...confirm, id: "VDOUBLE2" } });
    expect((await submit()).json()).toEqual({ response_action: "clear" });
    const { status } = await completedIn(deviceId);
    const calls = h.fake.callsTo("chat.postMessage").length;
    const ephemerals = h.fake.ephemerals().length;

    // The device is free again, so only the idempotency key can stop a second reset.
    expect((await submit()).json()).toEqual({ response_action: "clear" });
    // A duplicate shows nothing, so there is nothing to wait for: give it time to misbehave.
    await new Promise((r) => setTimeout(r, 500));
    expect(await h.running.core.engine.stores.requests.list({ limit: 10, deviceId })).toHaveLength(1);
    expect(statusMessagesFor("Leo's Lumia 950")).toHaveLength(1);
    expect(statusMessagesFor("Leo's Lumia 950")[0]?.ts).toBe(status.ts);
    expect(h.fake.callsTo("chat.postMessage")).toHaveLength(calls);
    expect(h.fake.ephemerals()).toHaveLength(ephemerals);
  });

  it("a body over 1 MB is refused (413) without crashing; the server keeps serving", async () => {
    const big = `payload=${"x".repeat(1024 * 1024 + 100)}`;
    const res = await h.slack
      .raw(big, { "content-type": FORM, ...signSlack(SIGNING_SECRET, big) })
      .catch((err: unknown) => ({ status: 0, body: String(err) }));
    expect(res.status).toBe(413);

    const health = await fetch(`${h.running.url}/healthz`);
    expect(health.status).toBe(200);
    const help = await h.slack.command({ userId: "UADA", text: "help", channelId: CHANNEL });
    expect(help.status).toBe(200);
    expect((help.json() as { text: string }).text).toContain("/reset-passcode status");
  });

  it("a signed body that is JSON null (raw or as the payload field) is answered 400, not left to crash Bolt", async () => {
    const rejections: unknown[] = [];
    const record = (err: unknown) => rejections.push(err);
    process.on("unhandledRejection", record);
    try {
      for (const [type, body] of [
        ["application/json", "null"],
        [FORM, "payload=null"],
      ] as const) {
        const res = await h.slack.raw(body, { "content-type": type, ...signSlack(SIGNING_SECRET, body) });
        expect(res.status).toBe(400);
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(rejections).toEqual([]);
    } finally {
      process.off("unhandledRejection", record);
    }
    expect((await fetch(`${h.running.url}/healthz`)).status).toBe(200);
  });

  it("a signed submission whose view is missing gets a 400 that says why, not a bare 500", async () => {
    for (const payload of [
      { type: "view_submission", team: { id: "T0LATCHKEY" }, user: { id: "UADA" }, view: null },
      { type: "block_actions", team: { id: "T0LATCHKEY" }, user: { id: "UADA" }, actions: "none" },
    ]) {
      const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
      const res = await h.slack.raw(body, { "content-type": FORM, ...signSlack(SIGNING_SECRET, body) });
      expect(res.status).toBeLessThan(500);
      if (payload.type === "view_submission") expect(res.status).toBe(400);
      if (res.status === 400) expect(String(res.body)).toContain("malformed");
    }
    expect((await fetch(`${h.running.url}/healthz`)).status).toBe(200);
  });
});
