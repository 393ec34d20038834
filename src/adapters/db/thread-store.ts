// Chat threads following requests. A lease lets one worker at a time update a thread; the cursor
// (`syncedEventId`) moves by compare-and-set as a second guard.
import type { ThreadStore } from "../../core/ports.ts";
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
      const res = await db.chatThread.updateMany({
        where: { id, messageId: null },
        data: { messageId, conversation, shownState },
      });
      return res.count === 1;
    },
    advance: (id, fromEventId, toEventId) => advanceThread(reads, id, fromEventId, toEventId),
    shown: (id, state, open) => markThreadShown(reads, id, state, open),
    async close(id) {
      await db.chatThread.update({ where: { id }, data: { open: false } });
    },
  };
}
