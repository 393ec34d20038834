// The security channel (TEAMS_SECURITY_CONVERSATION): a value that is not a Teams channel id is
// reported when the adapter starts, with what to do; and alerts are posted with the reference the
// bot learnt from an activity in that team (its own service URL), not one guessed from the
// reporter's chat.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cardOf,
  cardText,
  SECURITY_CONVERSATION,
  startTeamsHarness,
  TEAM,
  TENANT,
  type TeamsHarness,
} from "../../support/teams-harness.ts";

const personal = { kind: "personal" } as const;
type Action = { verb?: string; data?: Record<string, unknown> };
const firstAction = (x: unknown) => ((cardOf(x).actions ?? []) as Action[])[0];

describe("Teams: the security channel's id is checked at start", () => {
  it("a pasted channel link is reported as an error saying which id to use", async () => {
    const link = `https://teams.microsoft.com/l/channel/${encodeURIComponent("19:abc123@thread.tacv2")}/Security?groupId=x`;
    const h = await startTeamsHarness({ TEAMS_SECURITY_CONVERSATION: link });
    try {
      const line = h.logs.find((l) => l.includes("TEAMS_SECURITY_CONVERSATION"));
      expect(line).toBeDefined();
      expect(JSON.parse(line ?? "{}").level).toBeGreaterThanOrEqual(50);
      expect(line).toContain("use 19:abc123@thread.tacv2");
    } finally {
      await h.stop();
    }
  });

  it("a proper channel id is not reported", async () => {
    const h = await startTeamsHarness();
    try {
      expect(h.logs.some((l) => l.includes("is not a Teams channel id"))).toBe(false);
    } finally {
      await h.stop();
    }
  });
});

describe("Teams: the security channel's reference is learnt from its team", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("after the bot is added to the team, alerts go to the team's own service URL", async () => {
    const regional = `${h.fake.url}/emea/`;
    const added = await h.teams.post({
      type: "conversationUpdate",
      channelId: "msteams",
      serviceUrl: regional,
      from: { id: "29:sam", aadObjectId: "aad-sam" },
      recipient: { id: "28:latchkey-bot", name: "Latchkey" },
      membersAdded: [{ id: "28:latchkey-bot" }],
      conversation: {
        id: SECURITY_CONVERSATION,
        conversationType: "channel",
        isGroup: true,
        tenantId: TENANT,
      },
      channelData: {
        tenant: { id: TENANT },
        team: { id: TEAM },
        channel: { id: SECURITY_CONVERSATION },
        eventType: "teamMemberAdded",
      },
    });
    expect(added.status).toBe(200);

    const form = await h.teams.cardAction("29:felix", personal, "lost.confirm", {
      deviceId: "demo-pixel-xl-android7-owner",
    });
    const lock = firstAction(form.body);
    await h.teams.cardAction("29:felix", personal, lock?.verb ?? "", lock?.data ?? {});
    const alert = await h.fake.waitForMessage(SECURITY_CONVERSATION, (m) =>
      cardText(m.activity).includes("Lost device reported"),
    );
    expect(alert).toBeDefined();
    const posts = h.fake.calls.filter(
      (c) => c.method === "POST" && c.conversationId === SECURITY_CONVERSATION,
    );
    expect(posts[0]?.path.startsWith("/emea/v3/conversations/")).toBe(true);
  });
});
