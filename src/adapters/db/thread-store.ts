// Chat threads following requests. A lease lets one worker at a time update a thread; the cursor
// (`syncedEventId`) moves by compare-and-set as a second guard.
import type { ThreadStore } from "../../core/ports.ts";
import { toThread } from "./mappers.ts";
import type { Db } from "./open-database.ts";

export function createThreadStore(db: Db): ThreadStore {
  return {
    async forRequest(requestId) {
      const rows = await db.chatThread.findMany({ where: { requestId }, orderBy: { createdAt: "asc" } });
      return rows.map(toThread);
    },
    async get(id) {
      const row = await db.chatThread.findUnique({ where: { id } });
      return row ? toThread(row) : null;
    },
    async open(limit, surfaces) {
      const rows = await db.chatThread.findMany({
        where: { open: true, surface: { in: surfaces } },
        orderBy: { updatedAt: "asc" },
        take: limit,
      });
      return rows.map(toThread);
    },
    async claim(id, owner, now, until) {
      const res = await db.chatThread.updateMany({
        where: { id, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
        data: { leaseOwner: owner, leaseUntil: until },
      });
      return res.count === 1;
    },
    async renew(id, owner, until) {
      const res = await db.chatThread.updateMany({
        where: { id, leaseOwner: owner },
        data: { leaseUntil: until },
      });
      return res.count === 1;
    },
    async release(id, owner) {
      await db.chatThread.updateMany({
        where: { id, leaseOwner: owner },
        data: { leaseOwner: null, leaseUntil: null },
      });
    },
    async setRoot(id, messageId, conversation, shownState) {
      const res = await db.chatThread.updateMany({
        where: { id, messageId: null },
        data: { messageId, conversation, shownState },
      });
      return res.count === 1;
    },
    async advance(id, fromEventId, toEventId) {
      const res = await db.chatThread.updateMany({
        where: { id, syncedEventId: fromEventId },
        data: { syncedEventId: toEventId },
      });
      return res.count === 1;
    },
    async shown(id, state, open) {
      await db.chatThread.update({ where: { id }, data: { shownState: state, open } });
    },
    async close(id) {
      await db.chatThread.update({ where: { id }, data: { open: false } });
    },
  };
}
