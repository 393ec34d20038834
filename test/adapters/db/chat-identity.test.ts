// Who a Slack or Teams user is: the match to a person is stored, a chat user id belongs to one
// person at most, and it follows the account when it changes hands. On each real database.
import { describe, expect, it } from "vitest";
import { auditAcceptsInsertsAgain, auditRefusesInserts } from "../../support/audit-down.ts";
import { dbTargets } from "../../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("chat identities on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, [deviceInput()]),
  });
  const directory = () => t().engine.stores.directory;

  it("knows nobody before a match is stored", async () => {
    expect(await directory().personByChatUser("slack", "U001")).toBeNull();
    expect(await directory().chatUserOf("slack", "alice@example.com")).toBeNull();
    expect(await directory().chatUserOf("teams", "nobody@example.com")).toBeNull();
  });

  it("stores a match and finds it both ways, whatever the email's case", async () => {
    await directory().linkChatUser("slack", "U001", "Alice@Example.com");
    expect(await directory().personByChatUser("slack", "U001")).toEqual({
      email: "alice@example.com",
      name: "Alice Ng",
      role: "employee",
    });
    expect(await directory().chatUserOf("slack", "alice@example.com")).toBe("U001");
    expect(await directory().chatUserOf("slack", "ALICE@example.com")).toBe("U001");
    // Linking the same pair again changes nothing.
    await directory().linkChatUser("slack", "U001", "alice@example.com");
    expect((await directory().personByChatUser("slack", "U001"))?.email).toBe("alice@example.com");
  });

  it("keeps Slack and Teams identities apart", async () => {
    const teamsId = "29:1a2b3c-teams-user";
    await directory().linkChatUser("slack", "U001", "alice@example.com");
    await directory().linkChatUser("teams", teamsId, "bob@example.com");
    // The same opaque id on the other platform is someone else (or nobody).
    await directory().linkChatUser("teams", "U001", "ada@example.com");

    expect((await directory().personByChatUser("slack", "U001"))?.email).toBe("alice@example.com");
    expect((await directory().personByChatUser("teams", "U001"))?.email).toBe("ada@example.com");
    expect((await directory().personByChatUser("teams", teamsId))?.email).toBe("bob@example.com");
    expect(await directory().personByChatUser("slack", teamsId)).toBeNull();
    expect(await directory().chatUserOf("teams", "alice@example.com")).toBeNull();
    expect(await directory().chatUserOf("slack", "bob@example.com")).toBeNull();
  });

  it("moves a chat user id to its new person, who then is the only one with it", async () => {
    await directory().linkChatUser("slack", "U001", "alice@example.com");
    await directory().linkChatUser("teams", "29:alice", "alice@example.com");
    await directory().linkChatUser("slack", "U001", "bob@example.com");

    expect((await directory().personByChatUser("slack", "U001"))?.email).toBe("bob@example.com");
    expect(await directory().chatUserOf("slack", "bob@example.com")).toBe("U001");
    expect(await directory().chatUserOf("slack", "alice@example.com")).toBeNull();
    // Only the Slack link moved.
    expect(await directory().chatUserOf("teams", "alice@example.com")).toBe("29:alice");
  });

  it("replaces a person's old chat user id when they get a new one", async () => {
    await directory().linkChatUser("slack", "U001", "alice@example.com");
    await directory().linkChatUser("slack", "U777", "alice@example.com");
    expect(await directory().chatUserOf("slack", "alice@example.com")).toBe("U777");
    expect((await directory().personByChatUser("slack", "U777"))?.email).toBe("alice@example.com");
    expect(await directory().personByChatUser("slack", "U001")).toBeNull();
  });

  it("refuses to link to someone not in the inventory, leaving the existing match alone", async () => {
    await directory().linkChatUser("slack", "U001", "alice@example.com");
    await expect(directory().linkChatUser("slack", "U001", "nobody@example.com")).rejects.toThrow();
    expect((await directory().personByChatUser("slack", "U001"))?.email).toBe("alice@example.com");
    expect(await directory().person("nobody@example.com")).toBeNull();
  });

  it("keeps the matches when the inventory is imported again", async () => {
    await directory().linkChatUser("slack", "U001", "alice@example.com");
    await directory().linkChatUser("teams", "29:bob", "bob@example.com");
    await directory().upsertInventory(
      people.map((p) => ({ ...p, name: `${p.name} (renamed)` })),
      [deviceInput()],
    );
    expect(await directory().personByChatUser("slack", "U001")).toMatchObject({
      email: "alice@example.com",
      name: "Alice Ng (renamed)",
    });
    expect((await directory().personByChatUser("teams", "29:bob"))?.email).toBe("bob@example.com");
  });

  it("writes a move's audit row in the same transaction: if the row cannot be written, the link stays", async () => {
    const relink = {
      actor: "latchkey",
      surface: "slack",
      action: "identity.relink",
      outcome: "ok",
      detail: "Slack user U001 was alice@example.com; now bob@example.com (email changed in Slack)",
    } as const;
    await directory().linkChatUser("slack", "U001", "alice@example.com");
    await auditRefusesInserts(t(), target.name);
    await expect(directory().linkChatUser("slack", "U001", "bob@example.com", relink)).rejects.toThrow(
      /audit log unavailable/,
    );
    await expect(directory().unlinkChatUser("slack", "U001", relink)).rejects.toThrow(
      /audit log unavailable/,
    );
    expect((await directory().personByChatUser("slack", "U001"))?.email).toBe("alice@example.com");

    await auditAcceptsInsertsAgain(t(), target.name);
    await directory().linkChatUser("slack", "U001", "bob@example.com", relink);
    expect((await directory().personByChatUser("slack", "U001"))?.email).toBe("bob@example.com");
    const rows = await t().engine.stores.audit.list({});
    expect(rows.filter((r) => r.action === "identity.relink").map((r) => r.detail)).toEqual([relink.detail]);
  });

  it("writes an import's audit row in the same transaction: if the row cannot be written, nothing is imported", async () => {
    const audit = {
      actor: "operator",
      surface: "cli",
      action: "inventory.import",
      outcome: "ok",
      detail: "fleet.csv: 1 people, 1 devices",
    } as const;
    const newcomer = [{ email: "new@example.com", name: "New Person" }];
    const phone = [deviceInput({ id: "dev-new", ownerEmail: "new@example.com" })];
    await auditRefusesInserts(t(), target.name);
    await expect(directory().upsertInventory(newcomer, phone, audit)).rejects.toThrow(
      /audit log unavailable/,
    );
    expect(await directory().person("new@example.com")).toBeNull();
    expect(await directory().device("dev-new")).toBeNull();
    await auditAcceptsInsertsAgain(t(), target.name);
    await directory().upsertInventory(newcomer, phone, audit);
    expect((await directory().device("dev-new"))?.ownerEmail).toBe("new@example.com");
    expect((await t().engine.stores.audit.list({})).map((r) => r.action)).toEqual(["inventory.import"]);
  });
});
