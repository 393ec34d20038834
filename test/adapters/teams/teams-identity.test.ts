// Who a Teams user is: the person whose sign-in name (UPN) Teams gives, never an address the
// user's own tenant let them set; guests and members of another organization are strangers; the
// match is checked with Teams again after the identity TTL, and a link that changed hands is moved
// or dropped with an audit row; a passcode goes to the 1:1 of the account linked to the person,
// not to whichever account last claimed their address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHANNEL,
  cardOf,
  cardText,
  startTeamsHarness,
  TENANT,
  type TeamsHarness,
} from "../../support/teams-harness.ts";

const personal = { kind: "personal" } as const;
const channel = { kind: "channel" } as const;
type Action = { data?: Record<string, unknown> };

describe("Teams: identity", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness({}, { teams: { identityTtlMs: 150 } });
  });
  afterAll(async () => {
    await h?.stop();
  });
  const stores = () => h.running.core.engine.stores;

  /** The card Latchkey answers `text` with in the user's 1:1. */
  async function ask(userId: string, text: string) {
    const conv = h.teams.conversationId(userId, personal);
    const before = h.fake.messages(conv).length;
    expect((await h.teams.message(userId, text)).status).toBe(200);
    await expect.poll(() => h.fake.messages(conv).length).toBeGreaterThan(before);
    return cardText(cardOf(h.fake.messages(conv).at(-1)?.activity));
  }

  it("the sign-in name wins over the mail attribute: Mallory showing Ada's address is not Ada", async () => {
    const answer = await ask("29:mallory", "reset passcode felix.field@example.com");
    expect(answer).not.toContain("Felix Field");
    expect(answer).toMatch(/not known to Latchkey|inventory/);
    expect((await stores().contacts.get("teams", "aad-mallory"))?.email).toBe("mallory@example.com");
    expect(await stores().directory.chatUserOf("teams", "ada.admin@example.com")).toBeNull();
  });

  it("only the sign-in name counts: a member whose UPN Teams does not give is not matched by the mail attribute", async () => {
    // Nora's mail attribute says Felix's address (user-editable); Teams gives no UPN for her.
    h.fake.users.push({
      id: "29:nora",
      aadObjectId: "aad-nora",
      name: "Nora NoUpn",
      email: "felix.field@example.com",
      userPrincipalName: null,
    });
    const answer = await ask("29:nora", "my devices");
    expect(answer).toContain("Teams does not give a sign-in name for Nora NoUpn");
    expect(answer).not.toContain("Report lost");
    expect(await stores().directory.chatUserOf("teams", "felix.field@example.com")).toBeNull();
    expect((await stores().contacts.get("teams", "aad-nora"))?.email).toBeNull();
  });

  it("a guest and a member of another organization are refused, whatever sign-in name they have", async () => {
    expect(await ask("29:gus", "I lost my device")).toContain("a guest");
    expect(await ask("29:tess", "my devices")).toContain("another Microsoft 365 organization");
    expect(await stores().directory.chatUserOf("teams", "felix.field@example.com")).toBeNull();
    expect(await stores().directory.chatUserOf("teams", "omar.ops@example.com")).toBeNull();
    expect((await stores().contacts.get("teams", "aad-gus"))?.email).toBeNull();
  });

  it("after the TTL Teams is asked again: a changed sign-in name moves the link, then drops it, each audited", async () => {
    expect(await ask("29:leo", "status")).toContain("Latest requests");
    expect(await stores().directory.chatUserOf("teams", "leo.legal@example.com")).toBe("aad-leo");
    const leo = h.fake.users.find((u) => u.id === "29:leo");
    if (!leo) throw new Error("no Leo");

    const later = async (upn: string) => {
      leo.email = upn;
      leo.userPrincipalName = upn;
      await new Promise((ok) => setTimeout(ok, 200));
    };

    // Leo's account now signs in as Mia (a reused mailbox): the link moves to her.
    await later("mia.marketing@example.com");
    await ask("29:leo", "status");
    expect(await stores().directory.chatUserOf("teams", "leo.legal@example.com")).toBeNull();
    expect(await stores().directory.chatUserOf("teams", "mia.marketing@example.com")).toBe("aad-leo");

    // Then as no one in the inventory: the link is dropped and the account is a stranger.
    await later("leo.left@example.com");
    expect(await ask("29:leo", "status")).toContain("not in Latchkey's inventory");
    expect(await stores().directory.chatUserOf("teams", "mia.marketing@example.com")).toBeNull();

    const relinks = (await stores().audit.list({})).filter((a) => a.action === "identity.relink");
    expect(relinks.map((a) => a.detail)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("aad-leo was leo.legal@example.com; now mia.marketing@example.com"),
        expect.stringContaining("aad-leo was mia.marketing@example.com; now no one in the inventory"),
      ]),
    );
  });
});

describe("Teams: one contact per person", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });
  const stores = () => h.running.core.engine.stores;
  async function ask(userId: string, text: string) {
    const conv = h.teams.conversationId(userId, personal);
    const before = h.fake.messages(conv).length;
    expect((await h.teams.message(userId, text)).status).toBe(200);
    await expect.poll(() => h.fake.messages(conv).length).toBeGreaterThan(before);
  }

  it("a passcode goes to the 1:1 of the account linked to the person, not a newer contact claiming the address", async () => {
    await ask("29:ada", "help");
    await h.teams.fetchTask("29:ada", channel, { commandContext: "compose" });
    const confirm = cardOf(
      (
        await h.teams.submitAction("29:ada", channel, {
          verb: "reset.confirm",
          owner: "felix.field@example.com",
          deviceId: "demo-galaxy-s7-android6-admin",
          notifyUser: "false",
        })
      ).body,
    );
    // Another account's contact, saved last, with Ada's address and its own 1:1.
    await stores().contacts.save("teams", {
      chatUserId: "aad-stale",
      email: "ada.admin@example.com",
      reference: JSON.stringify({
        serviceUrl: h.fake.url,
        tenantId: TENANT,
        userId: "29:stale",
        bot: { id: "28:latchkey-bot" },
        conversationId: "a:1on1-stale",
      }),
    });
    const data = ((confirm.actions ?? []) as Action[])[0]?.data ?? {};
    // The dialog ends (how it says so is the message extension's business): the reset has started.
    expect((await h.teams.submitAction("29:ada", channel, data)).status).toBe(200);
    const adaChat = h.teams.conversationId("29:ada", personal);
    await h.fake.waitForMessage(adaChat, (m) => cardText(m.activity).includes("New passcode"), 10_000);
    expect(h.fake.messages("a:1on1-stale")).toEqual([]);
    await h.fake.waitForMessage(CHANNEL, (m) => cardText(m.activity).includes("Passcode reset"));
  });
});
