// Chat threads following requests. A lease lets one worker at a time update a thread; the cursor
// (`syncedEventId`) moves by compare-and-set as a second guard.
import type { ThreadStore } from "../../core/ports.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { Reads } from "./direct-reads.ts";
import { toThread } from "./mappers.ts";
import type { Db } from "./open-database.ts";
import {
  advanceThread,
  claimThread,
  markThreadShown,
  releaseThread,
  renewThread,
  threadBehind,
  threadRow,
  threadRowsFor,
} from "./raw-sql.ts";

export function createThreadStore(db: Db, reads: Reads): ThreadStore {
  return {
    async forRequest(requestId) {
      return (await threadRowsFor(reads, requestId)).map(toThread);
    },
    async get(id) {
      const row = await threadRow(reads, id);
      return row ? toThread(row) : null;
    },
    behind: (id) => threadBehind(reads, id),
    async open(limit, surfaces) {
      const rows = await db.chatThread.findMany({
        where: { open: true, surface: { in: surfaces } },
        orderBy: { updatedAt: "asc" },
        take: limit,
      });
      return rows.map(toThread);
    },
    claim: (id, owner, now, until) => claimThread(reads, id, owner, now, until),
    renew: (id, owner, until) => renewThread(reads, id, owner, until),
    release: (id, owner) => releaseThread(reads, id, owner),
    async setRoot(id, messageId, conversation, shownState) {
      const changed = await reads.run(
        Prisma.sql`UPDATE "ChatThread" SET "messageId" = ${messageId}, "conversation" = ${conversation}, "shownState" = ${shownState}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "messageId" IS NULL`,
      );
      return changed === 1;
    },
    advance: (id, fromEventId, toEventId) => advanceThread(reads, id, fromEventId, toEventId),
    shown: (id, state, open) => markThreadShown(reads, id, state, open),
    async close(id) {
      await reads.run(
        Prisma.sql`UPDATE "ChatThread" SET "open" = ${false}, "updatedAt" = ${new Date()} WHERE "id" = ${id}`,
      );
    },
  };
}
