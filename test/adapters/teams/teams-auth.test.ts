// With an app id configured, every activity must carry a Bot Framework token: unsigned or forged
// requests get a 401 and change nothing. Without one (local mode), activities are accepted.
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTeamsHarness, type TeamsHarness } from "../../support/teams-harness.ts";

function forgedJwt(): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const header = part({ alg: "RS256", typ: "JWT", kid: "nope" });
  const payload = part({
    iss: "https://evil.example",
    aud: "11111111-2222-3333-4444-555555555555",
    exp: 9999999999,
  });
  return `${header}.${payload}.c2lnbmF0dXJl`;
}

describe("Teams: authentication", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness({
      MICROSOFT_APP_ID: "11111111-2222-3333-4444-555555555555",
      MICROSOFT_APP_PASSWORD: "test-secret",
      MICROSOFT_APP_TENANT_ID: "tenant-1",
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("runs in authenticated mode", () => {
    expect(h.running.teams?.mode).toBe("authenticated");
  });

  it("refuses unsigned and forged activities with 401 and changes nothing", async () => {
    const unsigned = await h.teams.message("29:ada", "reset passcode felix.field@example.com");
    expect(unsigned.status).toBe(401);
    const forged = await h.teams.post(
      {
        type: "invoke",
        name: "composeExtension/fetchTask",
        channelId: "msteams",
        serviceUrl: h.fake.url,
        from: { id: "29:ada", aadObjectId: "aad-ada" },
        recipient: { id: "28:latchkey-bot" },
        conversation: { id: "a:1", conversationType: "personal" },
        value: { commandId: "resetPasscode" },
      },
      { authorization: `Bearer ${forgedJwt()}` },
    );
    expect(forged.status).toBe(401);
    const bogus = await h.teams.message("29:ada", "help");
    expect(bogus.status).toBe(401);
    expect(h.fake.calls).toEqual([]);
    expect(await h.running.core.engine.stores.contacts.get("teams", "aad-ada")).toBeNull();
    expect(await h.running.core.engine.stores.requests.list({ limit: 5 })).toEqual([]);
  });

  it("refuses what is not an activity", async () => {
    const res = await fetch(`${h.running.url}/api/messages`, { method: "POST", body: "not json" });
    expect(res.status).toBe(400);
    const get = await fetch(`${h.running.url}/api/messages`);
    expect(get.status).toBe(405);
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
});

describe("Teams: local mode serves this machine only", () => {
  // Local mode checks no token: from another machine anyone could pose as an admin, so it answers
  // only loopback. The machine's own non-loopback address plays "another machine" here.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === "IPv4")?.address;
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness({ HOST: "0.0.0.0" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it.skipIf(!external)(
    "refuses an unsigned activity that does not come from loopback, and changes nothing",
    async () => {
      const port = new URL(h.running.url).port;
      const activity = {
        type: "message",
        text: "help",
        channelId: "msteams",
        serviceUrl: h.fake.url,
        from: { id: "29:ada", aadObjectId: "aad-ada" },
        recipient: { id: "28:latchkey-bot" },
        conversation: { id: "a:remote", conversationType: "personal" },
      };
      const remote = await fetch(`http://${external}:${port}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(activity),
      });
      expect(remote.status).toBe(403);
      expect(await remote.text()).toContain("local mode");
      expect(h.fake.calls).toEqual([]);
      expect(await h.running.core.engine.stores.contacts.get("teams", "aad-ada")).toBeNull();

      const local = await fetch(`http://127.0.0.1:${port}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(activity),
      });
      expect(local.status).toBe(200);
    },
  );
});
