// Who a Slack user is, through the real Web API client against the fake Slack API: the person with
// the email Slack gives; when an account's email changes (a reused mailbox) the stored link moves
// to the new person, and when it is deactivated the link is dropped, each with its audit row.
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
