// Who a Slack user is, through the real Web API client against the fake Slack API: the person with
// the email Slack gives; when an account's email changes (a reused mailbox) the stored link moves
// to the new person, and when it is deactivated the link is dropped, each with its audit row. An
// address Slack has not confirmed matches no one, a guest account is never an admin (a guest
// employee is still matched, to report their own device lost), and while auth.test fails nobody is
// matched (the other-workspace check fails closed), until Slack answers again.
import { webApi } from "@slack/bolt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSlackIdentity } from "../../../src/adapters/slack/identity.ts";
import { type FakeSlack, type FakeSlackUser, startFakeSlack } from "../../fakes/fake-slack-api.ts";
import { dbTargets } from "../../support/databases.ts";
import { people, useTestEngine } from "../../support/test-engine.ts";

const [sqlite] = await dbTargets();
if (!sqlite) throw new Error("no embedded database target");

describe("Slack identity: a link that changes hands", () => {
  const t = useTestEngine(sqlite, {
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, []),
  });
  let fake: FakeSlack;
  const account: FakeSlackUser = {
    id: "U0REUSED",
    name: "alice",
    realName: "Alice Ng",
    email: "alice@example.com",
  };

  beforeEach(async () => {
    account.email = "alice@example.com";
    account.deleted = false;
    fake = await startFakeSlack({ users: [account] });
  });
  afterEach(() => fake.close());

  const identity = () =>
    createSlackIdentity(t().engine, new webApi.WebClient("xoxb-test", { slackApiUrl: fake.apiUrl }));
  const relinks = async () =>
    (await t().engine.stores.audit.list({}))
      .filter((a) => a.action === "identity.relink")
      .map((a) => a.detail);

  it("moves the link to the person Slack now names, then drops it when the account is deactivated", async () => {
    expect(await identity().resolve("U0REUSED")).toMatchObject({ ok: true, email: "alice@example.com" });
    expect(await t().engine.stores.directory.chatUserOf("slack", "alice@example.com")).toBe("U0REUSED");
    expect(await relinks()).toEqual([]);

    // The mailbox is reused: Slack now gives Bob's address for the same account.
    account.email = "bob@example.com";
    expect(await identity().slackIdOf("bob@example.com")).toBe("U0REUSED");
    expect(await t().engine.stores.directory.chatUserOf("slack", "alice@example.com")).toBeNull();
    expect(await t().engine.stores.directory.chatUserOf("slack", "bob@example.com")).toBe("U0REUSED");

    account.deleted = true;
    expect(await identity().resolve("U0REUSED")).toMatchObject({ ok: false });
    expect(await t().engine.stores.directory.chatUserOf("slack", "bob@example.com")).toBeNull();
    expect(await relinks()).toEqual([
      "Slack user U0REUSED was alice@example.com; now bob@example.com (email changed in Slack)",
      "Slack user U0REUSED was bob@example.com; now no one in the inventory (Alice Ng's Slack account is deactivated.)",
    ]);
  });
});

describe("Slack identity: fail closed", () => {
  const t = useTestEngine(sqlite, {
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, []),
  });
  let fake: FakeSlack;
  const users: FakeSlackUser[] = [
    { id: "U0UNCONF", name: "ada2", realName: "Ada Again", email: "ada@example.com", emailConfirmed: false },
    {
      id: "U0GUESTADMIN",
      name: "adaguest",
      realName: "Ada Guest",
      email: "ada@example.com",
      guest: "multi-channel",
    },
    {
      id: "U0ROOTGUEST",
      name: "root",
      realName: "Root Guest",
      email: "root@example.com",
      guest: "single-channel",
    },
    { id: "U0GUESTBOB", name: "bob", realName: "Bob Roe", email: "bob@example.com", guest: "single-channel" },
    { id: "U0ALICE", name: "alice", realName: "Alice Ng", email: "alice@example.com" },
  ];

  beforeEach(async () => {
    fake = await startFakeSlack({ users });
  });
  afterEach(() => fake.close());

  // No retries: a failing call fails at once (production's client retries, and then fails the same way).
  const identity = () =>
    createSlackIdentity(
      t().engine,
      new webApi.WebClient("xoxb-test", { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }),
    );
  const refusals = async () =>
    (await t().engine.stores.audit.list({}))
      .filter((a) => a.action === "identity.refused")
      .map((a) => [a.actor, a.outcome, a.detail]);

  it("an admin's address that Slack has not confirmed matches no one, and gets no passcode DM", async () => {
    const who = await identity().resolve("U0UNCONF");
    expect(who).toEqual({
      ok: false,
      message:
        "Slack has not confirmed the email address of Ada Again's account (ada@example.com), so Latchkey cannot tell who they are. Confirm it in Slack; Latchkey checks again within 10 minutes.",
    });
    expect(await t().engine.stores.directory.chatUserOf("slack", "ada@example.com")).toBeNull();
    expect(await refusals()).toEqual([
      ["slack:U0UNCONF", "refused", expect.stringContaining("not confirmed")],
    ]);
    // users.lookupByEmail finds the unconfirmed account for the address: no passcode DM goes there.
    expect(await identity().slackIdOf("ada@example.com")).toBeNull();
  });

  it("a guest account is never an admin (configured or in the inventory); a guest employee is still matched", async () => {
    for (const id of ["U0GUESTADMIN", "U0ROOTGUEST"]) {
      const who = await identity().resolve(id);
      expect(who.ok).toBe(false);
      if (!who.ok) expect(who.message).toContain("never takes an IT admin's actions from a guest account");
    }
    expect(await t().engine.stores.directory.chatUserOf("slack", "ada@example.com")).toBeNull();
    expect((await refusals()).map(([actor]) => actor)).toEqual(["slack:U0GUESTADMIN", "slack:U0ROOTGUEST"]);
    // Bob, an employee on a guest account, may still report his own device lost: he is matched.
    expect(await identity().resolve("U0GUESTBOB")).toMatchObject({ ok: true, email: "bob@example.com" });
  });

  it("while auth.test fails nobody is matched; once Slack answers, the same user is", async () => {
    fake.fail("auth.test", { status: 503 }, 2);
    const slack = identity();
    for (let i = 0; i < 2; i++) {
      expect(await slack.resolve("U0ALICE")).toEqual({
        ok: false,
        message:
          "Latchkey cannot check with Slack which workspace it belongs to right now, so it cannot tell who you are. Try again in a minute.",
      });
    }
    expect(await t().engine.stores.directory.chatUserOf("slack", "alice@example.com")).toBeNull();
    // The refusal was not remembered: the next call asks Slack again, and it answers.
    expect(await slack.resolve("U0ALICE")).toMatchObject({ ok: true, email: "alice@example.com" });
    expect(fake.callsTo("auth.test").map((c) => c.status)).toEqual([503, 503, 200]);
    // And a DM lookup while auth.test fails does not find anyone either: it fails, to be retried.
    const other = identity();
    fake.fail("auth.test", { error: "account_inactive" }, 2);
    await expect(other.slackIdOf("alice@example.com")).rejects.toThrow(/cannot check with Slack/);
    expect(await other.slackIdOf("alice@example.com")).toBe("U0ALICE");
  });
});
