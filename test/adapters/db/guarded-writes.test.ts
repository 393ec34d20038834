// Guarded writes (`DriverSql.atomic`, write-sql.ts): the state changes of requests and deliveries run
// on the driver as one transaction each. On each database: all or nothing, nothing when the guard
// does not hold, and what they write reads back through Prisma's models exactly; on SQLite, no
// write joins (and is lost with) an interactive Prisma transaction that is open at the time.
import { describe, expect, it } from "vitest";
import { fromGuard } from "../../../src/adapters/db/guarded-write.ts";
import { toDelivery, toRequest } from "../../../src/adapters/db/mappers.ts";
import { startReset } from "../../../src/core/reset/start-reset.ts";
import { Prisma } from "../../../src/generated/postgresql/client.ts";
import { dbTargets } from "../../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../../support/test-engine.ts";

const targets = await dbTargets();
const audit = (detail: string) => ({
  actor: "latchkey",
  surface: "cli" as const,
  action: "passcode.delivery" as const,
  outcome: "ok" as const,
  detail,
});
const name = (email: string) => Prisma.sql`SELECT "name" FROM "Person" WHERE "email" = ${email}`;
const rename = (email: string, to: string) =>
  Prisma.sql`UPDATE "Person" SET "name" = ${to} WHERE "email" = ${email}`;
const notesWritten = Prisma.sql`SELECT "actor", "detail" FROM "AuditEntry" WHERE "action" = 'test.note' ORDER BY "id"`;

describe.each(targets)("guarded writes on $name", (target) => {
  const t = useTestEngine(target, {
    seed: async ({ engine }) => {
      await engine.stores.directory.upsertInventory(people, [deviceInput(), deviceInput({ id: "dev-002" })]);
    },
  });

  it("inserts the rest only when the guard changed its row, in order, and returns that row", async () => {
    const { database } = t();
    const { sql } = database;
    const notes = (guardColumn: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        table: "AuditEntry",
        values: [
          ["at", new Date("2026-11-27T10:00:00.000Z")],
          ["actor", fromGuard(guardColumn)],
          ["surface", "cli"],
          ["action", "test.note"],
          ["outcome", "ok"],
          ["deviceId", null],
          ["requestId", null],
          ["detail", `note ${i}`],
        ] as [string, unknown][],
      }));
    const miss = await sql.atomic({ guard: rename("nobody@example.com", "X"), rest: notes("email", 2) });
    expect(miss).toBeNull();
    expect(await sql.rows(notesWritten)).toEqual([]);
    const hit = await sql.atomic<{ email: string; name: string }>({
      guard: rename("alice@example.com", "Alice B"),
      rest: notes("email", 5),
    });
    expect(hit).toMatchObject({ email: "alice@example.com", name: "Alice B" });
    // Each insert took its value from the guarded row; their ids follow the order given.
    expect(await sql.rows(notesWritten)).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({ actor: "alice@example.com", detail: `note ${i}` })),
    );
  });

  it("writes nothing when a later insert fails", async () => {
    const { database } = t();
    const { sql } = database;
    const duplicate = {
      table: "Person",
      values: [
        ["email", "ada@example.com"],
        ["name", "dup"],
        ["role", "admin"],
      ] as [string, unknown][],
    };
    await expect(
      sql.atomic({ guard: rename("alice@example.com", "Half Written"), rest: [duplicate] }),
    ).rejects.toThrow();
    expect(await sql.rows(name("alice@example.com"))).toEqual([{ name: "Alice Ng" }]);
    // The connection is usable afterwards (no transaction left open).
    expect(await sql.atomic({ guard: rename("alice@example.com", "Alice C") })).toMatchObject({
      name: "Alice C",
    });
  });

  it("a create refused by a unique key writes nothing (no event, audit row, thread or digest) and names the holder", async () => {
    const { engine, database } = t();
    const { db } = database;
    const { requests } = engine.stores;
    const request = (id: string, deviceId: string, key: string | null) => ({
      id,
      kind: "reset_and_lock" as const,
      deviceId,
      requestedBy: "ada@example.com",
      surface: "cli" as const,
      notifyUser: false,
      state: "requested" as const,
      expiresAt: new Date("2026-11-28T10:00:00Z"),
      nextPushAt: null,
      passcodeCipher: null,
      idempotencyKeyHash: key,
      outcome: null,
      finishedAt: null,
    });
    const extras = (tag: string) => ({
      passcodeDigest: `digest-${tag}`,
      audit: {
        actor: "ada@example.com",
        surface: "cli" as const,
        action: "reset" as const,
        outcome: "ok" as const,
        detail: tag,
      },
      threads: [{ surface: "slack" as const, purpose: "requester" as const, conversation: `C-${tag}` }],
    });
    const event = (tag: string) => [{ type: "requested", actor: "ada@example.com", detail: tag }];
    const first = await requests.create(request("rq_1", "dev-001", "key-1"), event("one"), extras("one"));
    expect(first.created).toBe(true);
    const counts = async () => [
      await db.resetRequest.count(),
      await db.timelineEvent.count(),
      await db.auditEntry.count(),
      await db.chatThread.count(),
      await db.passcodeHistory.count(),
    ];
    const before = await counts();
    const duplicate = await requests.create(request("rq_2", "dev-002", "key-1"), event("two"), extras("two"));
    expect(duplicate).toMatchObject({ created: false, reason: "duplicate", existing: { id: "rq_1" } });
    const busy = await requests.create(request("rq_3", "dev-001", "key-3"), event("three"), extras("three"));
    expect(busy).toMatchObject({ created: false, reason: "device_busy", existing: { id: "rq_1" } });
    await expect(
      requests.create(request("rq_1", "dev-002", null), event("four"), extras("four")),
    ).rejects.toThrow(/already taken/);
    expect(await counts()).toEqual(before);
    expect(first.created && first.request).toEqual(await requests.get("rq_1"));
  });

  it("what a transition and a delivery outcome write reads back through the models", async () => {
    const { engine, database } = t();
    const { db } = database;
    const { requests, deliveries } = engine.stores;
    const started = await startReset(engine, {
      actorEmail: "root@example.com",
      deviceId: "dev-002",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(started.status);
    const id = started.request.id;
    const moved = await requests.transition(id, {
      from: [started.request.state],
      to: "failed",
      outcome: "test",
      before: ["b1", "b2", "b3"].map((detail) => ({ type: "push_retry", actor: "latchkey", detail })),
      event: { type: "failed", actor: "latchkey", detail: "Stopped by the test." },
      passcode: { cipher: "cipher-x", digest: "digest-x" },
      audit: {
        actor: "latchkey",
        surface: "cli",
        action: "mdm.failed",
        outcome: "ok",
        detail: "d",
        requestId: id,
      },
      deliveries: [{ id: "dl_test", recipientEmail: "root@example.com", channel: "email" }],
    });
    const model = await db.resetRequest.findUnique({ where: { id } });
    expect(model).toMatchObject({ state: "failed", activeDeviceId: null, nextPushAt: null, outcome: "test" });
    expect(model?.finishedAt).toBeInstanceOf(Date);
    expect(moved).toEqual(model && toRequest(model));
    const written = await db.timelineEvent.findMany({ where: { requestId: id }, orderBy: { id: "asc" } });
    expect(written.slice(-4).map((e) => e.detail)).toEqual(["b1", "b2", "b3", "Stopped by the test."]);
    expect(await db.passcodeHistory.count({ where: { deviceId: "dev-002", digest: "digest-x" } })).toBe(1);
    // The compare-and-set: a second move from the old state changes nothing.
    const events = await db.timelineEvent.count({ where: { requestId: id } });
    expect(
      await requests.transition(id, {
        from: [started.request.state],
        to: "cancelled",
        event: { type: "cancelled", actor: "x", detail: "late" },
      }),
    ).toBeNull();
    expect(await db.timelineEvent.count({ where: { requestId: id } })).toBe(events);
    expect(await db.auditEntry.count({ where: { action: "mdm.failed", requestId: id } })).toBe(1);

    const [due] = await deliveries.due(new Date(Date.now() + 60_000), 10, id);
    const row = await db.delivery.findUnique({ where: { id: "dl_test" } });
    expect(due).toEqual(row && toDelivery(row));
    expect(await deliveries.claim("dl_test", 0, new Date(Date.now() + 60_000))).toBe(true);
    expect(await deliveries.claim("dl_test", 0, new Date(Date.now() + 60_000))).toBe(false);
    const at = new Date("2026-11-27T10:00:00.123Z");
    await deliveries.settle(
      "dl_test",
      { status: "sent", at },
      { type: "delivered", actor: "latchkey", detail: "sent" },
      audit("sent"),
    );
    const settled = await db.delivery.findUnique({ where: { id: "dl_test" } });
    expect(settled).toMatchObject({ status: "sent", sentAt: at, attempts: 1, attemptStartedAt: null });
    const last = await db.timelineEvent.findFirst({ where: { requestId: id }, orderBy: { id: "desc" } });
    expect(last).toMatchObject({ type: "delivered", detail: "sent" });
    await expect(
      deliveries.settle(
        "dl_none",
        { status: "sent", at },
        { type: "delivered", actor: "x", detail: "x" },
        audit("none"),
      ),
    ).rejects.toThrow(/does not exist/);
  });
});

describe.each(targets.filter((t) => t.name === "sqlite"))(
  "guarded writes beside a Prisma transaction ($name)",
  (target) => {
    const t = useTestEngine(target, {
      seed: async ({ engine }) => {
        await engine.stores.directory.upsertInventory(people, [deviceInput()]);
      },
    });

    it("a write sent while an interactive transaction is open waits for it, and survives its rollback", async () => {
      const { database } = t();
      const { db, sql } = database;
      let inside!: () => void;
      const opened = new Promise<void>((r) => {
        inside = r;
      });
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const rolledBack = db
        .$transaction(async (tx) => {
          await tx.person.update({ where: { email: "ada@example.com" }, data: { name: "Never" } });
          inside();
          await held;
          throw new Error("roll back");
        })
        .catch((err: Error) => err.message);
      await opened;
      const single = sql.run(rename("alice@example.com", "Alice Single"));
      const guarded = sql.atomic({ guard: rename("bob@example.com", "Bob Guarded") });
      release();
      expect(await rolledBack).toBe("roll back");
      expect(await single).toBe(1);
      expect(await guarded).toMatchObject({ name: "Bob Guarded" });
      expect(await sql.rows(name("alice@example.com"))).toEqual([{ name: "Alice Single" }]);
      expect(await sql.rows(name("bob@example.com"))).toEqual([{ name: "Bob Guarded" }]);
      expect(await sql.rows(name("ada@example.com"))).toEqual([{ name: "Ada Admin" }]);
    });
  },
);
