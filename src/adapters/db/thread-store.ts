// Chat threads following requests, all of it as SQL on the driver connection. A lease lets one
// worker at a time update a thread (compare-and-set updates: the lease holder's steps); the cursor
// (`syncedEventId`) moves by compare-and-set as a second guard. Dates are bound as the model
// queries store them; `updatedAt` is kept as Prisma would.
import type { ThreadStore } from "../../core/ports.ts";
import { type ChatThread as DbChatThread, Prisma } from "../../generated/postgresql/client.ts";
import type { DriverSql } from "./driver-connection.ts";
import { toThread } from "./mappers.ts";
import { threadBehind, threadRow, threadRowsFor } from "./read-sql.ts";

export function createThreadStore(sql: DriverSql): ThreadStore {
  /** One UPDATE of a thread: true when it changed the row. */
  const update = async (query: Prisma.Sql) => (await sql.run(query)) === 1;
  return {
    async forRequest(requestId) {
      return (await threadRowsFor(sql, requestId)).map(toThread);
    },
    async get(id) {
      const row = await threadRow(sql, id);
      return row ? toThread(row) : null;
    },
    behind: (id) => threadBehind(sql, id),
    async open(limit, surfaces) {
      if (surfaces.length === 0) return [];
      const rows = await sql.rows<DbChatThread>(
        Prisma.sql`SELECT * FROM "ChatThread" WHERE "open" = ${true} AND "surface" IN (${Prisma.join(surfaces)}) ORDER BY "updatedAt" ASC LIMIT ${limit}`,
      );
      return rows.map(toThread);
    },
    claim: (id, owner, now, until) =>
      update(
        Prisma.sql`UPDATE "ChatThread" SET "leaseOwner" = ${owner}, "leaseUntil" = ${until}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND ("leaseUntil" IS NULL OR "leaseUntil" < ${now})`,
      ),
    renew: (id, owner, until) =>
      update(
        Prisma.sql`UPDATE "ChatThread" SET "leaseUntil" = ${until}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "leaseOwner" = ${owner}`,
      ),
    async release(id, owner) {
      await update(
        Prisma.sql`UPDATE "ChatThread" SET "leaseOwner" = NULL, "leaseUntil" = NULL, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "leaseOwner" = ${owner}`,
      );
    },
    setRoot: (id, messageId, conversation, shownState) =>
      update(
        Prisma.sql`UPDATE "ChatThread" SET "messageId" = ${messageId}, "conversation" = ${conversation}, "shownState" = ${shownState}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "messageId" IS NULL`,
      ),
    advance: (id, fromEventId, toEventId) =>
      update(
        Prisma.sql`UPDATE "ChatThread" SET "syncedEventId" = ${toEventId}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "syncedEventId" = ${fromEventId}`,
      ),
    // What the thread's status message shows now, and whether it still follows its request.
    async shown(id, state, open) {
      await update(
        Prisma.sql`UPDATE "ChatThread" SET "shownState" = ${state}, "open" = ${open}, "updatedAt" = ${new Date()} WHERE "id" = ${id}`,
      );
    },
    async close(id) {
      await update(
        Prisma.sql`UPDATE "ChatThread" SET "open" = ${false}, "updatedAt" = ${new Date()} WHERE "id" = ${id}`,
      );
    },
  };
}
