// With an app id configured, every activity must carry a Bot Framework token (verified here against
// the fake connector's published keys): unsigned or forged requests get a 401 and change nothing,
// and the refusal is logged through Latchkey's logger, not botbuilder's console. A valid token is
// not enough: only Microsoft Teams (channelId "msteams") and the bot's own tenant are served, and a
// conversation Teams does not show as a 1:1 is never stored as someone's 1:1.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  cardOf,
  cardText,
  startTeamsHarness,
  TENANT,
  type TeamsHarness,
} from "../../support/teams-harness.ts";

const APP_ID = "11111111-2222-3333-4444-555555555555";

function forgedJwt(): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const header = part({ alg: "RS256", typ: "JWT", kid: "nope" });
  const payload = part({ iss: "https://api.botframework.com", aud: APP_ID, exp: 9999999999 });
  return `${header}.${payload}.c2lnbmF0dXJl`;
}

describe("Teams: authentication", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness({
      MICROSOFT_APP_ID: APP_ID,
      MICROSOFT_APP_PASSWORD: "test-secret",
      MICROSOFT_APP_TENANT_ID: TENANT,
    });
  });
  afterAll(async () => {
    await h?.stop();
  });
  const audit = () => h.running.core.engine.stores.audit.list({});

  it("runs in authenticated mode", () => {
    expect(h.running.teams?.mode).toBe("authenticated");
  });

  it("refuses unsigned and forged activities with 401, changes nothing, and logs through its own logger", async () => {
    const console = vi.spyOn(globalThis.console, "error").mockImplementation(() => undefined);
    try {
      const activity = { ...h.teams.base("29:ada", { kind: "personal" }), type: "message", text: "help" };
      const unsigned = await h.teams.post(activity, { authorization: "" });
      expect(unsigned.status).toBe(401);
      const forged = await h.teams.post(
        {
          ...activity,
          type: "invoke",
          name: "composeExtension/fetchTask",
          value: { commandId: "resetPasscode" },
        },
        { authorization: `Bearer ${forgedJwt()}` },
      );
      expect(forged.status).toBe(401);
      // Signed for another service URL than the activity names.
      const elsewhere = await h.teams.post(activity, {
        authorization: `Bearer ${h.fake.token(APP_ID, "https://evil.example/")}`,
      });
      expect(elsewhere.status).toBe(401);
      expect(console).not.toHaveBeenCalled();
    } finally {
      console.mockRestore();
    }
    expect(h.fake.calls).toEqual([]);
    expect(await h.running.core.engine.stores.contacts.get("teams", "aad-ada")).toBeNull();
    expect(await h.running.core.engine.stores.requests.list({ limit: 5 })).toEqual([]);
    expect(h.logs.join("")).toContain("its Bot Framework token did not verify");
  });

  it("serves a signed activity from its own tenant", async () => {
    const res = await h.teams.message("29:ada", "help");
    expect(res.status).toBe(200);
    await h.fake.waitForMessage(h.teams.conversationId("29:ada", { kind: "personal" }), () => true);
  });

  it("refuses a signed activity from another tenant: no answer, no contact, audited under the sender", async () => {
    const before = h.fake.calls.length;
    const foreign = h.teams.base("29:erin", { kind: "personal" });
    for (const variant of [
      { ...foreign, conversation: { ...(foreign.conversation as object), tenantId: "tenant-evil" } },
      { ...foreign, channelData: { tenant: { id: "tenant-evil" } } },
    ]) {
      const res = await h.teams.post({
        ...variant,
        type: "invoke",
        name: "composeExtension/fetchTask",
        value: { commandId: "resetPasscode", commandContext: "compose" },
      });
      expect(res.status).toBe(403);
    }
    expect(h.fake.calls.length).toBe(before);
    expect(await h.running.core.engine.stores.contacts.get("teams", "aad-erin")).toBeNull();
    const rows = (await audit()).filter((a) => a.actor === "teams:aad-erin");
    expect(rows).toHaveLength(2);
    expect(rows[0]?.outcome).toBe("refused");
    expect(rows[0]?.detail).toContain("tenant-evil");
  });

  it("refuses a signed activity from another channel than Teams (the Emulator only in local mode)", async () => {
    for (const channelId of ["emulator", "webchat", "directline"]) {
      const res = await h.teams.post({
        ...h.teams.base("29:sam", { kind: "personal" }),
        channelId,
        type: "message",
        text: "status",
      });
      expect(res.status).toBe(403);
    }
    expect(await h.running.core.engine.stores.contacts.get("teams", "aad-sam")).toBeNull();
    expect((await audit()).filter((a) => a.actor === "teams:aad-sam")).toHaveLength(3);
  });

  it("a 'personal' conversation without a 1:1 id is not a 1:1: not stored as the user's chat, no personal answers", async () => {
    const res = await h.teams.post({
      ...h.teams.base("29:omar", { kind: "personal" }),
      conversation: { id: "19:meeting_abc@thread.v2", conversationType: "personal", tenantId: TENANT },
      type: "message",
      text: "status",
    });
    expect(res.status).toBe(200);
    const answer = await h.fake.waitForMessage("19:meeting_abc@thread.v2", () => true);
    expect(cardText(cardOf(answer.activity))).toContain("chat with me 1:1");
    const contact = await h.running.core.engine.stores.contacts.get("teams", "aad-omar");
    expect(JSON.parse(contact?.reference ?? "{}").conversationId).toBeNull();
  });
});

describe("Teams: local mode", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("accepts unsigned activities, answers help and stores the user's 1:1 conversation", async () => {
    expect(h.running.teams?.mode).toBe("local");
    const res = await h.teams.message("29:ada", "help");
    expect(res.status).toBe(200);
    const conv = h.teams.conversationId("29:ada", { kind: "personal" });
    const reply = await h.fake.waitForMessage(conv, () => true);
    expect(JSON.stringify(reply.activity)).toContain("reset passcode");
    const contact = await h.running.core.engine.stores.contacts.get("teams", "aad-ada");
    expect(contact?.email).toBe("ada.admin@example.com");
    expect(JSON.parse(contact?.reference ?? "{}").conversationId).toBe(conv);
    // The AAD object id is linked to the person.
    expect(await h.running.core.engine.stores.directory.chatUserOf("teams", "ada.admin@example.com")).toBe(
      "aad-ada",
    );
  });

  it("accepts the Bot Framework Emulator's channel", async () => {
    const res = await h.teams.post({
      ...h.teams.base("29:felix", { kind: "personal" }),
      channelId: "emulator",
      type: "message",
      text: "help",
    });
    expect(res.status).toBe(200);
  });

  it("a conversation without a type is never taken for a 1:1", async () => {
    const base = h.teams.base("29:leo", { kind: "groupChat" });
    const conversation = { id: "19:untyped@thread.v2", tenantId: TENANT };
    const res = await h.teams.post({ ...base, conversation, type: "message", text: "status" });
    expect(res.status).toBe(200);
    const answer = await h.fake.waitForMessage("19:untyped@thread.v2", () => true);
    expect(cardText(cardOf(answer.activity))).toContain("chat with me 1:1");
    const contact = await h.running.core.engine.stores.contacts.get("teams", "aad-leo");
    expect(JSON.parse(contact?.reference ?? "{}").conversationId).toBeNull();
    // Nor can a lost device be reported from there.
    const lost = await h.teams.post({
      ...base,
      conversation,
      type: "invoke",
      name: "adaptiveCard/action",
      value: {
        action: {
          type: "Action.Execute",
          verb: "lost.confirm",
          data: { deviceId: "demo-lumia-950-win10-mobile" },
        },
      },
    });
    expect(cardText(lost.body)).toContain("1:1 chat with Latchkey");
  });
});
