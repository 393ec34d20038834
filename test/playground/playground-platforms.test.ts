// The Playground's Slack and Teams are the local platforms the tests' fakes wrap
// (src/local-platforms): what the page shows is refused or accepted as the tests see it. Driven
// here as the Playground drives them, without a browser.
import { describe, expect, it } from "vitest";
import { createBotConnector } from "../../src/playground/bot-connector.ts";
import { createSlackWorkspace, type WorkspaceUser } from "../../src/playground/slack-workspace.ts";

const TOKEN = "xoxb-playground-test";
const ADA: WorkspaceUser = { id: "UADA", name: "ada", realName: "Ada Admin", email: "ada@example.com" };
const JSON_TYPE = "application/json; charset=utf-8";
const modal = (blocks: number, title = "Reset passcode") => ({
  type: "modal",
  title: { type: "plain_text", text: title },
  blocks: Array.from({ length: blocks }, () => ({ type: "divider" })),
});

function workspace() {
  let changes = 0;
  const slack = createSlackWorkspace({ botToken: TOKEN, users: async () => [ADA], changed: () => changes++ });
  const call = (method: string, args: Record<string, unknown>, token = TOKEN) =>
    slack.api(method, JSON_TYPE, JSON.stringify(args), `Bearer ${token}`);
  return { slack, call, changes: () => changes };
}

describe("the Playground's Slack", () => {
  it("refuses another token, and views and messages over Slack's limits", async () => {
    const { slack, call } = workspace();
    expect(await call("auth.test", {}, "xoxb-other")).toEqual({ ok: false, error: "invalid_auth" });
    const big = await call("views.open", { trigger_id: slack.trigger("UADA"), view: modal(101) });
    expect(big).toMatchObject({ ok: false, error: "invalid_arguments" });
    const long = await call("views.open", {
      trigger_id: slack.trigger("UADA"),
      view: modal(1, "x".repeat(25)),
    });
    expect(long).toMatchObject({ ok: false, error: "invalid_arguments" });
    const blocks = modal(51).blocks;
    expect(await call("chat.postMessage", { channel: "C1", text: "x", blocks })).toMatchObject({
      ok: false,
      error: "invalid_blocks",
    });
    expect((await slack.snapshot()).messages).toEqual([]);
  });

  it("exchanges only the trigger ids it issued, once each, and keeps each person's modal stack", async () => {
    const { slack, call } = workspace();
    expect(await call("views.open", { trigger_id: "1.2.3", view: modal(1) })).toMatchObject({
      error: "invalid_trigger_id",
    });
    const trigger = slack.trigger("UADA");
    const opened = await call("views.open", { trigger_id: trigger, view: modal(1) });
    expect(opened.ok).toBe(true);
    expect(await call("views.open", { trigger_id: trigger, view: modal(1) })).toMatchObject({
      error: "exchanged_trigger_id",
    });
    slack.modal("UADA", "push", modal(2, "Confirm"));
    const stack = (await slack.snapshot()).modals.UADA ?? [];
    expect(stack.map((v) => v.blocks.length)).toEqual([1, 2]);
    slack.modal("UADA", "clear");
    expect((await slack.snapshot()).modals.UADA).toBeUndefined();
  });

  it("shows messages with their edit count and takes five replies per response_url", async () => {
    const { slack, call, changes } = workspace();
    const posted = await call("chat.postMessage", { channel: "UADA", text: "Pending" });
    await call("chat.update", { channel: posted.channel, ts: posted.ts, text: "Done" });
    for (let i = 0; i < 5; i++) expect(slack.respond("UADA/1", JSON.stringify({ text: `r${i}` }))).toBe(true);
    expect(slack.respond("UADA/1", JSON.stringify({ text: "sixth" }))).toBe(false);
    const shown = await slack.snapshot();
    expect(shown.messages).toMatchObject([{ channel: "DUADA", text: "Done", edits: 1 }]);
    expect(shown.ephemerals.map((e) => [e.user, e.channel, e.text])).toContainEqual([
      "UADA",
      "response",
      "r4",
    ]);
    expect(changes()).toBeGreaterThanOrEqual(7);
  });
});

describe("the Playground's Teams", () => {
  it("refuses an update Teams would split into several messages, as the tests' connector does", async () => {
    const user = { id: "29:ada", aadObjectId: "aad-ada", name: "Ada Admin", email: "ada@example.com" };
    const connector = createBotConnector({ users: async () => [user], changed: () => {} });
    const [, conversation] = await connector.handle("POST", ["v3", "conversations"], {
      members: [{ id: "29:ada" }],
    });
    const id = (conversation as { id: string }).id;
    const [, posted] = await connector.handle("POST", ["v3", "conversations", id, "activities"], {
      text: "Pending",
    });
    const activity = (posted as { id: string }).id;
    const card = { contentType: "application/vnd.microsoft.card.adaptive", content: {} };
    const split = await connector.handle("PUT", ["v3", "conversations", id, "activities", activity], {
      text: "Done",
      attachments: [card],
    });
    expect(split[0]).toBe(400);
    await connector.handle("PUT", ["v3", "conversations", id, "activities", activity], {
      attachments: [card],
    });
    expect(connector.snapshot().messages).toMatchObject([{ id: activity, conversationId: id, edits: 1 }]);
    const [status, member] = await connector.handle(
      "GET",
      ["v3", "conversations", id, "members", "aad-ada"],
      {},
    );
    expect([status, member]).toMatchObject([200, { id: "29:ada", tenantId: "playground-tenant" }]);
  });
});
