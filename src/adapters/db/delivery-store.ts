// Private passcode deliveries, each attempt claimed with a compare-and-set on its attempt count
// and marked started until its outcome is recorded.
import type { Clock, DeliveryStore } from "../../core/ports.ts";
import { toDelivery } from "./mappers.ts";
import type { Db } from "./open-database.ts";
import { writeAudit, writeEvents } from "./request-store.ts";

export function createDeliveryStore(db: Db, clock: Clock): DeliveryStore {
  return {
    async due(now, limit, requestId) {
      const rows = await db.delivery.findMany({
        where: { status: "pending", nextAttemptAt: { lte: now }, ...(requestId ? { requestId } : {}) },
        orderBy: { nextAttemptAt: "asc" },
        take: limit,
      });
      return rows.map(toDelivery);
    },
    async claim(id, seenAttempts, nextAttemptAt) {
      const res = await db.delivery.updateMany({
        where: { id, status: "pending", attempts: seenAttempts },
        data: { attempts: seenAttempts + 1, nextAttemptAt, attemptStartedAt: clock.now() },
      });
      return res.count === 1;
    },
    async settle(id, outcome, event, audit) {
      const now = clock.now();
      await db.$transaction(async (tx) => {
        const row = await tx.delivery.update({
          where: { id },
          data: {
            status: outcome.status,
            sentAt: outcome.status === "sent" ? outcome.at : null,
            lastError: outcome.error ?? null,
            nextAttemptAt: null,
            attemptStartedAt: null,
            externalRef: outcome.externalRef ?? null,
            redactAt: outcome.status === "sent" ? (outcome.redactAt ?? null) : null,
          },
        });
        await writeEvents(tx, row.requestId, [event], now);
        await writeAudit(tx, audit, now);
      });
    },
    async retryLater(id, error, event, nextAttemptAt) {
      const now = clock.now();
      await db.$transaction(async (tx) => {
        const row = await tx.delivery.update({
          where: { id },
          data: { lastError: error, attemptStartedAt: null, ...(nextAttemptAt ? { nextAttemptAt } : {}) },
        });
        await writeEvents(tx, row.requestId, [event], now);
      });
    },
    async setExternalRef(id, ref) {
      await db.delivery.update({ where: { id }, data: { externalRef: ref } });
    },
    async dueRedactions(now, limit) {
      const rows = await db.delivery.findMany({
        where: { redactAt: { lte: now }, redactedAt: null, status: "sent" },
        orderBy: { redactAt: "asc" },
        take: limit,
      });
      return rows.map(toDelivery);
    },
    async claimRedaction(id, seenRedactAt, retryAt) {
      const res = await db.delivery.updateMany({
        where: { id, redactAt: seenRedactAt, redactedAt: null },
        data: { redactAt: retryAt },
      });
      return res.count === 1;
    },
    async markRedacted(id, at, event, audit) {
      const now = clock.now();
      await db.$transaction(async (tx) => {
        const row = await tx.delivery.update({ where: { id }, data: { redactedAt: at, redactAt: null } });
        await writeEvents(tx, row.requestId, [event], now);
        await writeAudit(tx, audit, now);
      });
    },
    async abandonRedaction(id, error, event, audit) {
      const now = clock.now();
      await db.$transaction(async (tx) => {
        const row = await tx.delivery.update({ where: { id }, data: { redactAt: null, lastError: error } });
        await writeEvents(tx, row.requestId, [event], now);
        await writeAudit(tx, audit, now);
      });
    },
    async forRequest(requestId) {
      const rows = await db.delivery.findMany({ where: { requestId }, orderBy: { createdAt: "asc" } });
      return rows.map(toDelivery);
    },
  };
}
