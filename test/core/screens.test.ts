// The chat flows' use cases that surfaces render (issue 18, section 1): the wizard's "who" step,
// the gate before anyone is looked up, "my devices" and "status", one viewer's status card, the
// operator's lists, how to reach someone privately, and the start refusing a device that changed
// hands after its confirmation. Each decides in the core what Slack, Teams and the CLI only word.
// On each real database.
import { describe, expect, it } from "vitest";
import { auditTrail } from "../../src/core/audit-trail.ts";
import { deviceCheck, deviceList, peopleWithDevices } from "../../src/core/inventory/device-list.ts";
import { privateContact, saveContact } from "../../src/core/people/chat-contacts.ts";
import { findOwner, mayLookUpOwners } from "../../src/core/reset/find-owner.ts";
import { homeScreen, latestRequests } from "../../src/core/reset/home-screen.ts";
import { latestForOperator, requestProgress } from "../../src/core/reset/request-progress.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { statusScreen } from "../../src/core/reset/status-screen.ts";
import type { ChatThread } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("chat flow use cases on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(
        [
          ...people,
          { email: "ed@example.com", name: "Ed Second", role: "admin" },
          ...["ann1", "ann2", "ann3", "ann4", "ann5", "ann6"].map((n) => ({
            email: `${n}@example.com`,
            name: `Anna ${n.slice(3)}`,
          })),
        ],
        [deviceInput(), deviceInput({ id: "dev-bob", ownerEmail: "bob@example.com", name: "Bob's Pixel 7" })],
      ),
  });
  const engine = () => t().engine;
  const rowsOf = async (action: string) => (await auditTrail(engine())).filter((a) => a.action === action);

  it("who: one match is the owner; none or several say so, listing at most five and whether there are more", async () => {
    const one = await findOwner(engine(), " alice ");
    expect(one).toMatchObject({ status: "one", owner: { email: "alice@example.com" } });
    expect(await findOwner(engine(), "nobody-like-this")).toEqual({ status: "none" });
    const several = await findOwner(engine(), "Anna");
    expect(several.status).toBe("several");
    if (several.status !== "several") return;
    expect(several.people).toHaveLength(5);
    expect(several.more).toBe(true);
    const two = await findOwner(engine(), "a");
    expect(two.status).toBe("several");
  });

  it("an employee is refused (and audited) before anyone is looked up; an admin passes without an audit row", async () => {
    const refused = await mayLookUpOwners(engine(), {
      actorEmail: "alice@example.com",
      ownerHint: "name:Bob",
      surface: "slack",
    });
    expect(refused.allowed).toBe(false);
    const rows = await rowsOf("authorize.reset");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: "alice@example.com", outcome: "refused" });
    const admin = await mayLookUpOwners(engine(), {
      actorEmail: "ada@example.com",
      ownerHint: "x",
      surface: "teams",
    });
    expect(admin).toMatchObject({ allowed: true, actor: { email: "ada@example.com", role: "admin" } });
    expect(await rowsOf("authorize.reset")).toHaveLength(1);
  });

  it("my devices: someone not in the inventory gets nothing; an employee their devices; an admin also the latest requests", async () => {
    expect(await homeScreen(engine(), "Stranger@Example.com")).toEqual({
      status: "not_in_inventory",
      email: "stranger@example.com",
    });
    await startReset(engine(), {
      actorEmail: "ada@example.com",
      deviceId: "dev-bob",
      notifyUser: false,
      surface: "cli",
    });
    const alice = await homeScreen(engine(), "alice@example.com");
    expect(alice.status).toBe("ok");
    if (alice.status !== "ok") return;
    expect(alice.devices.map((c) => c.device.id)).toEqual(["dev-001"]);
    expect([alice.seesAll, alice.recent]).toEqual([false, []]);
    const ada = await homeScreen(engine(), "ada@example.com");
    expect(ada.status === "ok" && ada.recent.map((r) => r.request.deviceId)).toEqual(["dev-bob"]);
    expect(await latestRequests(engine(), "nobody@example.com")).toEqual({
      status: "not_in_inventory",
      email: "nobody@example.com",
    });
    const bobs = await latestRequests(engine(), "bob@example.com");
    expect(bobs).toEqual({ status: "ok", list: [] });
  });

  it("a status card offers Cancel to its requester and an admin, never to the owner; the thread is the one clicked", async () => {
    const started = await startReset(engine(), {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: true,
      surface: "teams",
      threads: [
        { surface: "teams", purpose: "requester", conversation: "conv-a" },
        { surface: "teams", purpose: "security", conversation: "conv-s" },
      ],
    });
    if (!("request" in started)) throw new Error(started.message);
    const id = started.request.id;
    const inSecurity = (threads: ChatThread[]) => threads.find((x) => x.conversation === "conv-s");
    const byAda = await statusScreen(engine(), {
      actorEmail: "ada@example.com",
      requestId: id,
      surface: "teams",
      here: inSecurity,
    });
    expect(byAda.status).toBe("ok");
    if (byAda.status !== "ok") return;
    expect(byAda.view.thread.purpose).toBe("security");
    expect(byAda.view.owner?.email).toBe("alice@example.com");
    expect(byAda.view.requester?.email).toBe("ada@example.com");
    // The requester may cancel but not approve their own request (two-person rule).
    expect(byAda.offers).toEqual({ cancel: true, approve: false });
    const byEd = await statusScreen(engine(), {
      actorEmail: "ed@example.com",
      requestId: id,
      surface: "teams",
      here: () => undefined,
    });
    expect(byEd.status === "ok" && byEd.view.thread.purpose).toBe("requester");
    expect(byEd.status === "ok" && byEd.offers).toEqual({ cancel: true, approve: true });
    const byAlice = await statusScreen(engine(), {
      actorEmail: "alice@example.com",
      requestId: id,
      surface: "teams",
      here: () => undefined,
    });
    // The owner sees the request on their device, but is offered neither Cancel nor Approve.
    expect(byAlice.status === "ok" && byAlice.offers).toEqual({ cancel: false, approve: false });
    const byBob = await statusScreen(engine(), {
      actorEmail: "bob@example.com",
      requestId: id,
      surface: "teams",
      here: () => undefined,
    });
    expect(byBob.status).toBe("not_allowed");
    expect(
      await statusScreen(engine(), {
        actorEmail: "ada@example.com",
        requestId: "nope",
        surface: "teams",
        here: () => undefined,
      }),
    ).toMatchObject({
      status: "not_found",
    });
  });

  it("a confirmed reset of a device that changed hands since its confirmation starts nothing and says why", async () => {
    await engine().stores.directory.upsertInventory([], [deviceInput({ ownerEmail: "bob@example.com" })]);
    const r = await startReset(engine(), {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "slack",
      expectedOwner: "alice@example.com",
    });
    expect(r).toEqual({
      status: "not_found",
      message: "The device's owner changed since the confirmation. Start again.",
    });
    expect(await latestForOperator(engine(), 10)).toEqual([]);
    const same = await startReset(engine(), {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "slack",
      expectedOwner: " Bob@Example.com ",
    });
    expect(same.status).toBe("started");
  });

  it("the operator's lists: devices with their capability, one device with its active request, a request's progress", async () => {
    const listed = await deviceList(engine());
    expect(listed.map((l) => [l.device.id, l.capability.capable])).toEqual([
      ["dev-001", true],
      ["dev-bob", true],
    ]);
    expect((await deviceList(engine(), { ownerEmail: " BOB@example.com" })).map((l) => l.device.id)).toEqual([
      "dev-bob",
    ]);
    expect(await deviceCheck(engine(), "missing")).toBeNull();
    const started = await startReset(engine(), {
      actorEmail: "ada@example.com",
      deviceId: "dev-bob",
      notifyUser: false,
      surface: "cli",
    });
    if (!("request" in started)) throw new Error(started.message);
    const checked = await deviceCheck(engine(), "dev-bob");
    expect(checked?.active?.id).toBe(started.request.id);
    expect(checked?.capability.capable).toBe(false);
    const all = await requestProgress(engine(), started.request.id);
    expect(all?.backend).toBe("agent");
    expect(all?.events.length).toBeGreaterThan(0);
    const last = all?.events.at(-1)?.id ?? 0;
    expect((await requestProgress(engine(), started.request.id, last))?.events).toEqual([]);
    expect(await requestProgress(engine(), "nope")).toBeNull();
    expect(
      (await peopleWithDevices(engine(), ["ada@example.com", "ghost@example.com"])).map((p) => p.email),
    ).toEqual(["ada@example.com", "alice@example.com", "bob@example.com"]);
  });

  it("reaches someone privately only through the account linked to them, not one that claims their address", async () => {
    const { directory } = engine().stores;
    await saveContact(engine(), "teams", {
      chatUserId: "aad-impostor",
      email: "alice@example.com",
      reference: "{}",
    });
    expect(await privateContact(engine(), "teams", "alice@example.com")).toBeNull();
    await directory.linkChatUser("teams", "aad-alice", "alice@example.com");
    await saveContact(engine(), "teams", {
      chatUserId: "aad-alice",
      email: "alice@example.com",
      reference: '{"a":1}',
    });
    expect((await privateContact(engine(), "teams", " Alice@example.com"))?.chatUserId).toBe("aad-alice");
    // Someone only in LATCHKEY_ADMINS (no inventory row to link): their newest verified contact.
    await saveContact(engine(), "teams", {
      chatUserId: "aad-root",
      email: "root@example.com",
      reference: "{}",
    });
    expect((await privateContact(engine(), "teams", "root@example.com"))?.chatUserId).toBe("aad-root");
  });
});
