// The Slack fake is only worth something if the real clients accept it: these drive it with the
// WebClient Bolt itself uses (form-encoded bodies, its own retry and Retry-After handling), then run
// one real Bolt app against it through the signed-request builder.
import type { AddressInfo } from "node:net";
import { App, LogLevel, webApi } from "@slack/bolt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSlackClient, signSlack, stateValues } from "../support/slack-requests.ts";
import { type FakeSlack, startFakeSlack } from "./fake-slack-api.ts";

const QUICK_RETRIES = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 };
const modal = (title: string, extra: Record<string, unknown> = {}) => ({
  type: "modal" as const,
  title: { type: "plain_text" as const, text: title },
  blocks: [{ type: "section", text: { type: "mrkdwn", text: "hello" } }],
  ...extra,
});

let fake: FakeSlack;
let client: webApi.WebClient;

beforeAll(async () => {
  fake = await startFakeSlack({
    users: [
      { id: "U1", name: "alice", realName: "Alice Admin", email: "alice@example.com" },
      { id: "U2", name: "bob" },
    ],
    triggerTtlMs: 200,
  });
  client = new webApi.WebClient("xoxb-test", {
    slackApiUrl: fake.apiUrl,
    retryConfig: QUICK_RETRIES,
    logLevel: webApi.LogLevel.ERROR,
  });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

describe("fake Slack Web API through WebClient", () => {
  it("posts, updates and keeps the edit history; form-encoded blocks come back as objects", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*Pending*" } }];
    const posted = await client.chat.postMessage({ channel: "C1", text: "Pending", blocks });
    const second = await client.chat.postMessage({ channel: "C1", text: "reply", thread_ts: posted.ts });
    expect(Number(second.ts)).toBeGreaterThan(Number(posted.ts));

    await client.chat.update({ channel: "C1", ts: posted.ts ?? "", text: "Done", blocks: [] });
    const [status, reply] = fake.messages("C1");
    expect(status).toMatchObject({ text: "Done", blocks: [], edits: [{ text: "Done" }] });
    expect(reply).toMatchObject({ text: "reply", thread_ts: posted.ts });
    expect(fake.callsTo("chat.postMessage")[0]).toMatchObject({ token: "xoxb-test", args: { blocks } });

    await expect(client.chat.update({ channel: "C1", ts: "1.2", text: "x" })).rejects.toMatchObject({
      data: { error: "message_not_found" },
    });
  });

  it("delivers a post to a user id into the app DM, like conversations.open + postMessage", async () => {
    const dm = await client.conversations.open({ users: "U2" });
    expect(dm.channel?.id).toBe("DU2");
    await client.chat.postMessage({ channel: "U2", text: "your passcode" });
    expect(fake.messages("DU2").map((m) => m.text)).toEqual(["your passcode"]);
  });

  it("exchanges a trigger id once, refuses an expired one, and checks view hashes", async () => {
    const trigger = fake.issueTriggerId();
    const opened = await client.views.open({ trigger_id: trigger, view: modal("Reset passcode") });
    await expect(client.views.open({ trigger_id: trigger, view: modal("Again") })).rejects.toMatchObject({
      data: { error: "exchanged_trigger_id" },
    });

    const late = fake.issueTriggerId();
    await new Promise((r) => setTimeout(r, 250));
    await expect(client.views.open({ trigger_id: late, view: modal("Late") })).rejects.toMatchObject({
      data: { error: "expired_trigger_id" },
    });

    const id = opened.view?.id ?? "";
    const updated = await client.views.update({
      view_id: id,
      hash: opened.view?.hash,
      view: modal("Step 2"),
    });
    expect(fake.views.get(id)?.hash).toBe(updated.view?.hash);
    await expect(
      client.views.update({ view_id: id, hash: opened.view?.hash, view: modal("Stale") }),
    ).rejects.toMatchObject({ data: { error: "hash_conflict" } });
  });

  it("refuses what Slack refuses in a modal: long titles, inputs without submit", async () => {
    const long = client.views.open({ trigger_id: fake.issueTriggerId(), view: modal("x".repeat(25)) });
    await expect(long).rejects.toMatchObject({ data: { error: "invalid_arguments" } });
    const input = {
      type: "input",
      label: { type: "plain_text", text: "Device" },
      element: { type: "plain_text_input" },
    };
    const noSubmit = client.views.open({
      trigger_id: fake.issueTriggerId(),
      view: modal("Form", { blocks: [input] }),
    });
    await expect(noSubmit).rejects.toMatchObject({ data: { error: "invalid_arguments" } });
  });

  it("answers 429 with Retry-After, which WebClient waits out before succeeding", async () => {
    fake.fail("chat.postMessage", { status: 429, retryAfterSec: 1 });
    const started = Date.now();
    const result = await client.chat.postMessage({ channel: "C1", text: "after the limit" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(result.ok).toBe(true);
    expect(fake.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 200]);
    expect(fake.messages("C1")).toHaveLength(1);
  });

  it("injects 5xx (retried by WebClient) and platform errors (not retried)", async () => {
    fake.fail("chat.postMessage", { status: 503 });
    await client.chat.postMessage({ channel: "C1", text: "after the outage" });
    expect(fake.callsTo("chat.postMessage").map((c) => c.status)).toEqual([503, 200]);

    fake.fail("chat.postMessage", { error: "channel_not_found" });
    await expect(client.chat.postMessage({ channel: "C9", text: "x" })).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
    expect(fake.callsTo("chat.postMessage")).toHaveLength(3);
  });

  it("holds a call until the test lets it go; other methods go on meanwhile", async () => {
    const release = fake.hold("chat.postMessage");
    const posting = client.chat.postMessage({ channel: "C1", text: "held" });
    expect((await client.auth.test()).ok).toBe(true);
    expect(fake.messages("C1")).toEqual([]);
    release();
    expect((await posting).ok).toBe(true);
    expect(fake.messages("C1").map((m) => m.text)).toEqual(["held"]);
  });

  it("serves users.info with the email only when the user has one, and lookupByEmail", async () => {
    const alice = await client.users.info({ user: "U1" });
    expect(alice.user).toMatchObject({ name: "alice", real_name: "Alice Admin", is_bot: false });
    expect(alice.user?.profile?.email).toBe("alice@example.com");
    const bob = await client.users.info({ user: "U2" });
    expect(bob.user?.profile && "email" in bob.user.profile).toBe(false);
    await expect(client.users.info({ user: "U404" })).rejects.toMatchObject({
      data: { error: "user_not_found" },
    });

    expect((await client.users.lookupByEmail({ email: "ALICE@example.com" })).user?.id).toBe("U1");
    await expect(client.users.lookupByEmail({ email: "nobody@example.com" })).rejects.toMatchObject({
      data: { error: "users_not_found" },
    });
  });

  it("waits for future calls, and says what it saw when it times out", async () => {
    const waiting = fake.waitFor((c) => c.method === "chat.postEphemeral");
    await client.chat.postEphemeral({ channel: "C1", user: "U1", text: "only you" });
    expect((await waiting).args).toMatchObject({ user: "U1" });
    expect(fake.ephemerals()).toMatchObject([{ user: "U1", text: "only you" }]);
    expect(fake.messages("C1")).toEqual([]);

    await expect(fake.waitFor((c) => c.method === "views.publish", 50)).rejects.toThrow(
      /chat\.postEphemeral/,
    );
  });
});

describe("a real Bolt app driven by signed requests", () => {
  const secret = "test-signing-secret";
  let app: App;
  let slack: ReturnType<typeof createSlackClient>;

  beforeAll(async () => {
    app = new App({
      signingSecret: secret,
      token: "xoxb-test",
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: QUICK_RETRIES },
    });
    app.command("/reset-passcode", async ({ ack, body, client: web, respond }) => {
      await ack();
      await web.views.open({
        trigger_id: body.trigger_id,
        view: modal("Reset", { callback_id: "reset_form", private_metadata: body.text }),
      });
      await respond(`working on ${body.text}`);
    });
    app.view("reset_form", async ({ ack, view }) => {
      const device = view.state.values.device_block?.device?.selected_option?.value;
      await ack(device ? undefined : { response_action: "errors", errors: { device_block: "Pick one" } });
    });
    app.event("app_home_opened", async ({ event, client: web }) => {
      await web.views.publish({ user_id: event.user, view: { type: "home", blocks: [] } });
    });
    const server = await app.start(0);
    const { port } = server.address() as AddressInfo;
    slack = createSlackClient({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: secret, fake });
  });
  afterAll(() => app.stop());

  it("routes a command, a view submission and an event the way Slack would send them", async () => {
    const command = await slack.command({ userId: "U1", text: "<@U2|bob>" });
    expect(command.status).toBe(200);
    const opened = await fake.waitFor((c) => c.method === "views.open" && c.status === 200);
    expect(opened.args).toMatchObject({ view: { callback_id: "reset_form", private_metadata: "<@U2|bob>" } });
    expect((await fake.waitForResponse(() => true)).body).toEqual({ text: "working on <@U2|bob>" });

    const viewId = [...fake.views.keys()][0] ?? "";
    const empty = await slack.viewSubmission({ userId: "U1", view: { id: viewId } });
    expect(empty.json()).toEqual({ response_action: "errors", errors: { device_block: "Pick one" } });
    const values = stateValues({
      device_block: { device: { type: "static_select", selected_option: { value: "d1" } } },
    });
    const chosen = await slack.viewSubmission({ userId: "U1", view: { id: viewId, state: { values } } });
    expect([chosen.status, chosen.body]).toEqual([200, ""]);

    await slack.event({ type: "app_home_opened", user: "U2", channel: "DU2", tab: "home" });
    await fake.waitFor((c) => c.method === "views.publish");
    expect(fake.homeView("U2")).toMatchObject({ type: "home" });
  });

  it("is refused with a wrong signature or a stale timestamp", async () => {
    const body = "command=%2Freset-passcode&text=help";
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const wrong = await slack.raw(body, {
      ...form,
      "x-slack-signature": "v0=00",
      "x-slack-request-timestamp": "1",
    });
    expect(wrong.status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await slack.raw(body, { ...form, ...signSlack(secret, body, stale) })).status).toBe(401);
    expect((await slack.raw(body, { ...form, ...signSlack("other-secret", body) })).status).toBe(401);
  });
});
