// The reads and writes that moved from Prisma's model API to the driver connection (issue 18,
// section 4) give what the model queries gave, on each database: open chat threads, the audit
// log, device listings and counts, people found by text, push bookkeeping, and the counts the
// metrics read. A batch of statements (DriverSql.transaction) is all or nothing.
import { describe, expect, it } from "vitest";
import { toDevice, toPerson, toThread } from "../../../src/adapters/db/mappers.ts";
import { startReset } from "../../../src/core/reset/start-reset.ts";
import { Prisma } from "../../../src/generated/postgresql/client.ts";
import { dbTargets } from "../../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("stores on the driver connection, $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(
        [...people, { email: "under_score@example.com", name: "Ulrich 100% Score" }],
        [deviceInput(), deviceInput({ id: "dev-002", ownerEmail: "bob@example.com" })],
      ),
  });

  it("lists open threads, the audit log and devices as the model queries do", async () => {
    const { engine, database } = t();
    const { db } = database;
    const started = await startReset(engine, {
      actorEmail: "root@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(started.status);
    const requestId = started.request.id;
    for (const [id, surface, purpose] of [
      ["th-a", "slack", "requester"],
      ["th-b", "teams", "requester"],
      ["th-c", "slack", "security"],
    ] as const)
      await db.chatThread.create({ data: { id, requestId, surface, purpose, conversation: `C-${id}` } });
    await engine.stores.threads.close("th-c");
    const model = await db.chatThread.findMany({
      where: { open: true, surface: { in: ["slack", "teams"] } },
      orderBy: { updatedAt: "asc" },
      take: 10,
    });
    expect(await engine.stores.threads.open(10, ["slack", "teams"])).toEqual(model.map(toThread));
    expect((await engine.stores.threads.open(10, ["slack"])).map((th) => th.id)).toEqual(["th-a"]);
    expect(await engine.stores.threads.open(10, [])).toEqual([]);

    const since = (await db.auditEntry.findFirst({ orderBy: { id: "asc" } }))?.at ?? new Date(0);
    const audit = await db.auditEntry.findMany({
      where: { at: { gte: since } },
      orderBy: { id: "asc" },
      take: 2,
    });
    expect(audit.length).toBeGreaterThan(0);
    expect(await engine.stores.audit.list({ since, limit: 2 })).toEqual(audit);
    expect(await engine.stores.audit.list({})).toEqual(
      await db.auditEntry.findMany({ orderBy: { id: "asc" } }),
    );

    const devices = await db.device.findMany({ orderBy: { id: "asc" } });
    expect(await engine.stores.directory.listDevices()).toEqual(devices.map(toDevice));
    expect(await engine.stores.directory.listDevices({ ownerEmail: "Bob@Example.com" })).toEqual(
      devices.filter((d) => d.ownerEmail === "bob@example.com").map(toDevice),
    );
    expect(await engine.stores.directory.countDevices()).toBe(2);
  });

  it("finds people by the start of their email or a part of their name, wildcards taken literally", async () => {
    const { directory } = t().engine.stores;
    const emails = async (text: string) => (await directory.findPeople(text, 10)).map((p) => p.email);
    expect(await emails("ali")).toEqual(["alice@example.com"]);
    expect(await emails("roe")).toEqual(["bob@example.com"]); // "Roe", capitalised
    expect(await emails("a")).toEqual(["ada@example.com", "alice@example.com"]);
    expect(await emails("%")).toEqual(["under_score@example.com"]);
    expect(await emails("under_")).toEqual(["under_score@example.com"]);
    expect(await emails("a_a")).toEqual([]);
    expect(await emails("  ")).toEqual([]);
    const ada = await t().database.db.person.findUnique({ where: { email: "ada@example.com" } });
    expect((await directory.findPeople("ada", 1))[0]).toEqual(ada && toPerson(ada));
  });

  it("keeps a device's push token and unreachability as the model update did", async () => {
    const { engine, database } = t();
    const at = new Date("2026-11-27T10:00:00.123Z");
    await engine.stores.directory.markPushUnreachable("dev-001", at);
    expect((await database.db.device.findUnique({ where: { id: "dev-001" } }))?.pushUnreachableAt).toEqual(
      at,
    );
    await engine.stores.directory.setPushToken("dev-001", "tok-2");
    expect(await database.db.device.findUnique({ where: { id: "dev-001" } })).toMatchObject({
      pushToken: "tok-2",
      pushUnreachableAt: null,
    });
  });

  it("counts requests by state and deliveries by channel and status (the metrics' gauges)", async () => {
    const { engine } = t();
    expect(await engine.stores.requests.countByState()).toEqual([]);
    expect(await engine.stores.deliveries.countByChannelAndStatus()).toEqual([]);
    const started = await startReset(engine, {
      actorEmail: "root@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(started.status);
    expect(await engine.stores.requests.countByState()).toEqual([{ state: started.request.state, count: 1 }]);
  });

  it("runs a batch all or nothing, and a statement that must change a row rolls it back", async () => {
    const { database } = t();
    const { sql } = database;
    const rename = (email: string, name: string) =>
      Prisma.sql`UPDATE "Person" SET "name" = ${name} WHERE "email" = ${email}`;
    const nameOf = async (email: string) => (await database.db.person.findUnique({ where: { email } }))?.name;
    expect(
      await sql.transaction([rename("alice@example.com", "A1"), rename("bob@example.com", "B1")]),
    ).toEqual([1, 1]);
    const duplicate = Prisma.sql`INSERT INTO "Person" ("email", "name", "createdAt", "updatedAt") VALUES ('ada@example.com', 'x', ${new Date()}, ${new Date()})`;
    await expect(sql.transaction([rename("alice@example.com", "A2"), duplicate])).rejects.toThrow();
    expect(await nameOf("alice@example.com")).toBe("A1");
    await expect(
      sql.transaction([
        rename("alice@example.com", "A3"),
        { query: rename("nobody@example.com", "N"), orFail: "no such person" },
      ]),
    ).rejects.toThrow("no such person");
    expect(await nameOf("alice@example.com")).toBe("A1");
    await sql.ping();
  });
});
