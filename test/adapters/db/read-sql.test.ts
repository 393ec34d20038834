// The hand-written reads (read-sql.ts, run by the driver itself: driver-connection.ts) must give exactly
// what the model queries give, column types included, on each database and in any time zone; on
// PostgreSQL in a schema whose name needs quoting too; and they see what Prisma has written.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { toDevice, toPerson, toRequest } from "../../../src/adapters/db/mappers.ts";
import { openDatabase } from "../../../src/adapters/db/open-database.ts";
import { startReset } from "../../../src/core/reset/start-reset.ts";
import { Prisma } from "../../../src/generated/postgresql/client.ts";
import { dbTargets, PG_URL, postgresAvailable, REQUIRE_PG } from "../../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../../support/test-engine.ts";

const targets = await dbTargets();
const full = deviceInput({
  id: "dev-full",
  pendingAction: "retire",
  lastSeenAt: new Date("2026-11-27T09:00:00.123Z"),
});

describe.each(targets)("raw reads on $name", (target) => {
  const t = useTestEngine(target, {
    seed: async ({ engine, database }) => {
      await engine.stores.directory.upsertInventory(people, [deviceInput(), full]);
      await database.db.device.update({
        where: { id: "dev-full" },
        data: { pushToken: "tok", pushUnreachableAt: new Date("2026-11-26T01:02:03.004Z"), secretHash: "h" },
      });
    },
  });

  it("reads people and devices exactly as the model queries do", async () => {
    const { engine, database } = t();
    const { db } = database;
    for (const id of ["dev-001", "dev-full"]) {
      const model = await db.device.findUnique({ where: { id } });
      expect(model).not.toBeNull();
      expect(await engine.stores.directory.device(id)).toEqual(model && toDevice(model));
    }
    expect((await engine.stores.directory.device("dev-full"))?.pushUnreachableAt).toBeInstanceOf(Date);
    expect(await engine.stores.directory.device("nope")).toBeNull();
    const alice = await db.person.findUnique({ where: { email: "alice@example.com" } });
    expect(await engine.stores.directory.person("  Alice@Example.com ")).toEqual(alice && toPerson(alice));
    expect(await engine.stores.directory.person("nobody@example.com")).toBeNull();
    const models = await db.device.findMany({
      where: { ownerEmail: "alice@example.com" },
      orderBy: { id: "asc" },
    });
    expect(await engine.stores.directory.devicesOf("alice@example.com")).toEqual(models.map(toDevice));
  });

  it("reads the same instants whatever the process's time zone", async () => {
    const { engine, database } = t();
    const model = await database.db.device.findUnique({ where: { id: "dev-full" } });
    const zone = process.env.TZ;
    try {
      for (const tz of ["America/Los_Angeles", "Asia/Kolkata", "UTC"]) {
        process.env.TZ = tz;
        const device = await engine.stores.directory.device("dev-full");
        expect(device?.lastSeenAt?.toISOString(), tz).toBe("2026-11-27T09:00:00.123Z");
        expect(device?.pushUnreachableAt?.toISOString(), tz).toBe("2026-11-26T01:02:03.004Z");
        expect(device, tz).toEqual(model && toDevice(model));
      }
      // A date bound as a parameter is compared as Prisma stores it.
      const rows = await database.sql.rows<{ id: string }>(
        Prisma.sql`SELECT "id" FROM "Device" WHERE "lastSeenAt" = ${new Date("2026-11-27T09:00:00.123Z")}`,
      );
      expect(rows).toEqual([{ id: "dev-full" }]);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("sees what Prisma wrote, in a transaction once it commits", async () => {
    const { engine, database } = t();
    await database.db.$transaction(async (tx) => {
      await tx.person.update({ where: { email: "alice@example.com" }, data: { name: "Alice Renamed" } });
    });
    expect((await engine.stores.directory.person("alice@example.com"))?.name).toBe("Alice Renamed");
    await database.db.person.update({ where: { email: "alice@example.com" }, data: { name: "Alice" } });
    expect((await engine.stores.directory.person("alice@example.com"))?.name).toBe("Alice");
  });

  it("finds a device's open request, alone and for a whole form, and forgets it once final", async () => {
    const { engine, database } = t();
    expect(await engine.stores.requests.activeForDevices([])).toEqual([]);
    const started = await startReset(engine, {
      actorEmail: "root@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    expect(started.status).toBe("started");
    const model = await database.db.resetRequest.findUnique({ where: { activeDeviceId: "dev-001" } });
    expect(model).not.toBeNull();
    const expected = model && toRequest(model);
    expect(await engine.stores.requests.activeForDevice("dev-001")).toEqual(expected);
    expect(await engine.stores.requests.activeForDevices(["dev-full", "dev-001", "x"])).toEqual([expected]);
    expect(await engine.stores.requests.activeForDevice("dev-full")).toBeNull();
  });

  it("writes on the driver what the model queries write: instants, booleans, counts", async () => {
    const { engine, database } = t();
    const { db } = database;
    const { threads, directory, audit } = engine.stores;
    const started = await startReset(engine, {
      actorEmail: "root@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(started.status);
    await db.chatThread.create({
      data: {
        id: "th-w",
        requestId: started.request.id,
        surface: "slack",
        purpose: "requester",
        conversation: "C",
      },
    });
    const now = new Date("2026-11-27T10:00:00.007Z");
    const until = new Date("2026-11-27T10:05:00.123Z");
    expect(await threads.claim("th-w", "me", now, until)).toBe(true);
    expect((await db.chatThread.findUnique({ where: { id: "th-w" } }))?.leaseUntil).toEqual(until);
    // Compared as the stored values: held until `until`, free a millisecond after.
    expect(await threads.claim("th-w", "you", new Date(until.getTime() - 1), until)).toBe(false);
    expect(await threads.claim("th-w", "you", new Date(until.getTime() + 1), until)).toBe(true);
    expect(await threads.renew("th-w", "me", until)).toBe(false);
    await threads.shown("th-w", "pushed", false);
    expect(await db.chatThread.findUnique({ where: { id: "th-w" } })).toMatchObject({
      shownState: "pushed",
      open: false,
      leaseOwner: "you",
    });
    await threads.release("th-w", "you");
    expect((await db.chatThread.findUnique({ where: { id: "th-w" } }))?.leaseOwner).toBeNull();

    await directory.touchSeen("dev-001", now);
    expect((await db.device.findUnique({ where: { id: "dev-001" } }))?.lastSeenAt).toEqual(now);
    await audit.append({
      actor: "a@example.com",
      surface: "cli",
      action: "inventory.import",
      outcome: "ok",
      detail: "d",
    });
    const row = await db.auditEntry.findFirst({ where: { action: "inventory.import" } });
    expect(row).toMatchObject({ actor: "a@example.com", deviceId: null, requestId: null, detail: "d" });
    expect(row?.at).toBeInstanceOf(Date);
  });

  it("tells whether a chat thread lacks its request's state or a later event, in one statement", async () => {
    const { engine, database } = t();
    const { threads, requests } = engine.stores;
    expect(await threads.behind("th-none")).toBe(false);
    const started = await startReset(engine, {
      actorEmail: "root@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(started.status);
    const id = started.request.id;
    const events = await requests.events(id);
    const last = events.at(-1)?.id ?? 0;
    await database.db.chatThread.create({
      data: { id: "th-1", requestId: id, surface: "slack", purpose: "requester", conversation: "C1" },
    });
    expect(await threads.behind("th-1")).toBe(true); // nothing shown yet
    await threads.shown("th-1", started.request.state, true);
    expect(await threads.behind("th-1")).toBe(true); // the events are not
    expect(await threads.advance("th-1", 0, last)).toBe(true);
    expect(await threads.behind("th-1")).toBe(false);
    await requests.addEvent(id, { type: "push_retry", actor: "latchkey", detail: "Sending again." });
    expect(await threads.behind("th-1")).toBe(true);
    const all = await requests.events(id);
    expect(await threads.advance("th-1", last, all.at(-1)?.id ?? 0)).toBe(true);
    expect(await threads.behind("th-1")).toBe(false);
    await database.db.resetRequest.update({ where: { id }, data: { state: "cancelled" } });
    expect(await threads.behind("th-1")).toBe(true);
  });
});

describe("raw reads in a PostgreSQL schema whose name needs quoting", async () => {
  const up = REQUIRE_PG || (await postgresAvailable());
  const schema = `Latchkey Raw ${process.pid}`;
  afterAll(async () => {
    if (!up) return;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });
  it.skipIf(!up)("uses the configured schema as the search path", async () => {
    const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${encodeURIComponent(schema)}`;
    const database = await openDatabase(url);
    try {
      await database.db.person.create({ data: { email: "q@example.com", name: "Q", role: "admin" } });
      const rows = await database.db.$queryRaw<Array<{ email: string }>>`SELECT "email" FROM "Person"`;
      expect(rows).toEqual([{ email: "q@example.com" }]);
      const direct = await database.sql.rows(Prisma.sql`SELECT "email" FROM "Person"`);
      expect(direct).toEqual([{ email: "q@example.com" }]);
    } finally {
      await database.close();
    }
  });
});
