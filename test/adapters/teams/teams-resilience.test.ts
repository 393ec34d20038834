// The Bot Connector throttles (429 with Retry-After), fails over (502/504) and races (412): calls
// are retried with backoff and the Retry-After wins; a persistent failure costs a bounded number of
// attempts (the SDK's own retry policy does not multiply them). Sends are paced per conversation.
// And the passcode 1:1 is edited after DM_REDACT_AFTER so it no longer shows the passcode.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWindowGate } from "../../../src/adapters/teams/window-gate.ts";
import { redactDue } from "../../../src/core/reset/redact.ts";
import { threadView } from "../../../src/core/threads/follow-threads.ts";
import {
  CHANNEL,
  cardOf,
  cardText,
  startTeamsHarness,
  type TeamsHarness,
} from "../../support/teams-harness.ts";

const where = { kind: "channel" } as const;
const personal = { kind: "personal" } as const;
type Action = { data?: Record<string, unknown> };

async function resetThroughDialog(h: TeamsHarness, owner: string, deviceId: string) {
  await h.teams.fetchTask("29:ada", where, { commandContext: "compose" });
  const confirm = cardOf(
    (
      await h.teams.submitAction("29:ada", where, {
        verb: "reset.confirm",
        owner,
        deviceId,
        notifyUser: "false",
      })
    ).body,
  );
  const data = ((confirm.actions ?? []) as Action[])[0]?.data ?? {};
  const done = await h.teams.submitAction("29:ada", where, data);
  expect(done.body).toMatchObject({ task: { type: "message" } });
}

describe("Teams: connector faults", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness({ DM_REDACT_AFTER: "1ms" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("honours a 429's Retry-After and retries 502/412 on updates; the card still ends Completed", async () => {
    const post = new RegExp(`^POST /v3/conversations/${CHANNEL.replace(/[.]/g, "\\.")}/activities$`);
    h.fake.fail(post, { status: 429, retryAfterSec: 1 }, 1);
    h.fake.fail(/^PUT /, { status: 502 }, 1);
    h.fake.fail(/^PUT /, { status: 412 }, 1);
    await resetThroughDialog(h, "felix.field@example.com", "demo-galaxy-s7-android6-admin");
    const root = await h.fake.waitForMessage(
      CHANNEL,
      (m) => cardText(m.activity).includes("Passcode reset"),
      8000,
    );
    const attempts = h.fake.calls.filter((c) => post.test(`${c.method} ${c.path}`));
    expect(attempts[0]?.status).toBe(429);
    expect(attempts[1]?.status).toBe(201);
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    await expect
      .poll(() => cardText(h.fake.messages(CHANNEL).find((m) => m.id === root.id)?.activity), {
        timeout: 10_000,
      })
      .toContain("Completed");
    const puts = h.fake.calls.filter((c) => c.method === "PUT").map((c) => c.status);
    expect(puts.slice(0, 3)).toEqual([502, 412, 200]);
    expect(
      h.fake.messages(CHANNEL).filter((m) => cardText(m.activity).includes("Passcode reset")),
    ).toHaveLength(1);
  });

  it("removes the passcode from the 1:1 once DM_REDACT_AFTER has passed", async () => {
    const dmConv = h.fake.personalConversationOf("29:ada");
    // The passcode as it was put into the 1:1 (the scheduler's redaction job may already have
    // edited it out: DM_REDACT_AFTER is 1 ms here).
    const withPasscode = () =>
      h.fake.calls.find(
        (c) => c.conversationId === dmConv && /New passcode: \d+/.test(JSON.stringify(c.body)),
      );
    await expect.poll(withPasscode, { timeout: 8000 }).toBeDefined();
    const call = withPasscode();
    const passcode = /New passcode: (\d+)/.exec(JSON.stringify(call?.body))?.[1] ?? "";
    expect(passcode).not.toBe("");
    const dm = h.fake.messages(dmConv).find((m) => JSON.stringify(call?.path ?? "").includes(m.id));
    expect(dm).toBeDefined();
    await expect
      .poll(
        async () => {
          await redactDue(h.running.core.engine);
          return cardText(h.fake.messages(dmConv).find((m) => m.id === dm?.id)?.activity);
        },
        { timeout: 5000 },
      )
      .toContain("has been removed");
    const edited = h.fake.messages(dmConv).find((m) => m.id === dm?.id);
    expect(cardText(edited?.activity)).not.toContain(passcode);
    const [request] = await h.running.core.engine.stores.requests.list({
      limit: 1,
      deviceId: "demo-galaxy-s7-android6-admin",
    });
    const deliveries = await h.running.core.engine.stores.deliveries.forRequest(request?.id ?? "");
    expect(deliveries.find((d) => d.channel === "teams_dm")?.redactedAt).not.toBeNull();
  });

  /** Posts a status card for the latest request into a conversation of its own, as the follower would. */
  async function postStatusElsewhere(conversationId: string) {
    const engine = h.running.core.engine;
    const [request] = await engine.stores.requests.list({ limit: 1 });
    if (!request || !h.running.teams) throw new Error("no request to show");
    const conversation = JSON.stringify({
      serviceUrl: h.fake.url,
      tenantId: "tenant-1",
      conversationId,
      conversationType: "channel",
      bot: { id: "28:latchkey-bot" },
    });
    const thread = {
      id: `th_${conversationId}`,
      requestId: request.id,
      surface: "teams" as const,
      purpose: "security" as const,
      conversation,
      messageId: null,
      shownState: null,
      syncedEventId: 0,
      open: true,
    };
    return h.running.teams.timeline.postStatus(await threadView(engine, thread, request));
  }
  const attemptsIn = (conversationId: string) =>
    h.fake.calls.filter((c) => c.conversationId === conversationId);

  it("a new message is not sent again after a 502/504 (it may have been posted): one attempt", async () => {
    h.fake.fail(/^POST \/v3\/conversations\/19:maybe-posted[^/]*\/activities$/, { status: 504 }, 100);
    await expect(postStatusElsewhere("19:maybe-posted@thread.tacv2")).rejects.toThrow(/504/);
    expect(attemptsIn("19:maybe-posted@thread.tacv2")).toHaveLength(1);
  });

  it("a persistent 429 on a new message, or a 504 on an update, costs a bounded number of attempts", async () => {
    h.fake.fail(/^POST \/v3\/conversations\/19:throttled[^/]*\/activities$/, { status: 429 }, 100);
    await expect(postStatusElsewhere("19:throttled@thread.tacv2")).rejects.toThrow(/429/);
    // One attempt plus the harness's 3 retries (the SDK's own retry policy adds none).
    expect(attemptsIn("19:throttled@thread.tacv2")).toHaveLength(4);

    const root = await postStatusElsewhere("19:updated@thread.tacv2");
    h.fake.fail(/^PUT \/v3\/conversations\/19:updated[^/]*\/activities\//, { status: 504 }, 100);
    const engine = h.running.core.engine;
    const [request] = await engine.stores.requests.list({ limit: 1 });
    if (!request || !h.running.teams) throw new Error("no request to show");
    const thread = {
      id: "th_updated",
      requestId: request.id,
      surface: "teams" as const,
      purpose: "security" as const,
      conversation: root.conversation,
      messageId: root.messageId,
      shownState: null,
      syncedEventId: 0,
      open: true,
    };
    const view = await threadView(engine, thread, request);
    await expect(h.running.teams.timeline.updateStatus({ ...view, thread })).rejects.toThrow(/504/);
    expect(attemptsIn("19:updated@thread.tacv2").filter((c) => c.method === "PUT")).toHaveLength(4);
  });

  it("a Retry-After longer than the background budget is not waited for: the call fails at once", async () => {
    h.fake.fail(
      /^POST \/v3\/conversations\/19:slow[^/]*\/activities$/,
      { status: 429, retryAfterSec: 120 },
      100,
    );
    const t0 = Date.now();
    await expect(postStatusElsewhere("19:slow@thread.tacv2")).rejects.toThrow(/budget/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(attemptsIn("19:slow@thread.tacv2")).toHaveLength(1);
  });
});

describe("Teams: a turn's calls get a small retry budget", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("a throttled member lookup during a turn is not waited out: the user hears back at once", async () => {
    h.fake.fail(/^GET \/v3\/conversations\/[^/]+\/members\//, { status: 429, retryAfterSec: 5 }, 100);
    const t0 = Date.now();
    expect((await h.teams.message("29:sam", "status")).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3000);
    const reply = await h.fake.waitForMessage(h.teams.conversationId("29:sam", personal), () => true);
    expect(cardText(reply.activity)).toMatch(/Something went wrong in Latchkey \(reference err_/);
    // No retry: waiting 5 s would not fit the turn's budget.
    expect(h.fake.calls.filter((c) => c.method === "GET").length).toBeLessThanOrEqual(2);
  });

  it("a failure no handler catches still tells the user, with a reference", async () => {
    const conv = h.teams.conversationId("29:felix", personal);
    h.fake.fail(new RegExp(`^POST /v3/conversations/${conv}/activities(/[^/]+)?$`), { status: 500 }, 1);
    expect((await h.teams.message("29:felix", "help")).status).toBe(200);
    const told = await h.fake.waitForMessage(conv, (m) =>
      cardText(m.activity).includes("Something went wrong"),
    );
    const ref = /reference (err_[A-Za-z0-9_-]+)/.exec(cardText(told.activity))?.[1] ?? "";
    expect(ref).not.toBe("");
    expect(h.logs.join("")).toContain(ref);
  });
});

describe("Teams: a conversation the bot is not in", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("the dialog ran in a group chat without the bot: the request is followed in the admin's 1:1, with a note", async () => {
    const group = { kind: "groupChat" } as const;
    h.fake.fail(
      /^POST \/v3\/conversations\/19:groupchat[^/]*\/activities$/,
      { status: 403, code: "BotNotInConversationRoster" },
      100,
    );
    const confirm = cardOf(
      (
        await h.teams.submitAction("29:ada", group, {
          verb: "reset.confirm",
          owner: "felix.field@example.com",
          deviceId: "demo-galaxy-s7-android6-admin",
          notifyUser: "false",
        })
      ).body,
    );
    const data = ((confirm.actions ?? []) as Action[])[0]?.data ?? {};
    expect((await h.teams.submitAction("29:ada", group, data)).body).toMatchObject({
      task: { type: "message" },
    });
    const adaChat = h.fake.personalConversationOf("29:ada");
    await h.fake.waitForMessage(adaChat, (m) => String(m.activity.text).includes("not installed there"));
    const status = await h.fake.waitForMessage(adaChat, (m) =>
      cardText(m.activity).includes("Passcode reset:"),
    );
    await expect
      .poll(() => cardText(h.fake.messages(adaChat).find((m) => m.id === status.id)?.activity), {
        timeout: 10_000,
      })
      .toContain("Completed");
    expect(h.fake.messages("19:groupchat@thread.v2")).toEqual([]);
  });
});

describe("Teams: pacing per conversation", () => {
  it("waits for a slot instead of exceeding a window", async () => {
    const gate = createWindowGate([{ max: 2, perMs: 200 }]);
    const t0 = Date.now();
    await gate.wait("c1");
    await gate.wait("c1");
    await gate.wait("c2");
    expect(Date.now() - t0).toBeLessThan(100);
    await gate.wait("c1");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });
});
