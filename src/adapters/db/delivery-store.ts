// Private passcode deliveries, each attempt claimed with a compare-and-set on its attempt count
// and marked started until its outcome is recorded. All of it as SQL on the driver connection: an
// outcome is written with its timeline event and audit row in one guarded write (write-sql.ts).
import type { Clock, DeliveryStore } from "../../core/ports.ts";
import { type Delivery as DbDelivery, Prisma } from "../../generated/postgresql/client.ts";
import type { DriverSql } from "./driver-connection.ts";
import type { GuardedWrite } from "./guarded-write.ts";
import { toDelivery } from "./mappers.ts";
import { deliveryWrite } from "./write-sql.ts";

export function createDeliveryStore(clock: Clock, sql: DriverSql): DeliveryStore {
  const many = async (query: Prisma.Sql) => (await sql.rows<DbDelivery>(query)).map(toDelivery);
  /** An outcome of a delivery that exists: a missing one is a bug, not a race. */
  async function record(id: string, write: GuardedWrite): Promise<void> {
    if ((await sql.atomic(write)) === null) throw new Error(`delivery ${id} does not exist`);
  }
  return {
    due(now, limit, requestId) {
      const one = requestId ? Prisma.sql` AND "requestId" = ${requestId}` : Prisma.empty;
      return many(
        Prisma.sql`SELECT * FROM "Delivery" WHERE "status" = 'pending' AND "nextAttemptAt" <= ${now}${one} ORDER BY "nextAttemptAt" ASC LIMIT ${limit}`,
      );
    },
    async claim(id, seenAttempts, nextAttemptAt) {
      const changed = await sql.run(
        Prisma.sql`UPDATE "Delivery" SET "attempts" = ${seenAttempts + 1}, "nextAttemptAt" = ${nextAttemptAt}, "attemptStartedAt" = ${clock.now()} WHERE "id" = ${id} AND "status" = 'pending' AND "attempts" = ${seenAttempts}`,
      );
      return changed === 1;
    },
    settle(id, outcome, event, audit) {
      const sent = outcome.status === "sent";
      const sets: [string, unknown][] = [
        ["status", outcome.status],
        ["sentAt", sent ? outcome.at : null],
        ["lastError", outcome.error ?? null],
        ["nextAttemptAt", null],
        ["attemptStartedAt", null],
        ["externalRef", outcome.externalRef ?? null],
        ["redactAt", sent ? (outcome.redactAt ?? null) : null],
      ];
      return record(id, deliveryWrite(id, sets, clock.now(), { event, ...(audit ? { audit } : {}) }));
    },
    retryLater(id, error, event, nextAttemptAt) {
      const sets: [string, unknown][] = [
        ["lastError", error],
        ["attemptStartedAt", null],
      ];
      if (nextAttemptAt) sets.push(["nextAttemptAt", nextAttemptAt]);
      return record(id, deliveryWrite(id, sets, clock.now(), { event }));
    },
    async requeueFailed(id, event, audit) {
      const now = clock.now();
      const sets: [string, unknown][] = [
        ["status", "pending"],
        ["attempts", 0],
        ["nextAttemptAt", now],
        ["lastError", null],
        ["externalRef", null],
      ];
      const where = Prisma.sql`"status" = 'failed'`;
      return (await sql.atomic(deliveryWrite(id, sets, now, { event, audit, where }))) !== null;
    },
    async setExternalRef(id, ref) {
      await sql.run(Prisma.sql`UPDATE "Delivery" SET "externalRef" = ${ref} WHERE "id" = ${id}`);
    },
    dueRedactions(now, limit) {
      return many(
        Prisma.sql`SELECT * FROM "Delivery" WHERE "redactAt" <= ${now} AND "redactedAt" IS NULL AND "status" = 'sent' ORDER BY "redactAt" ASC LIMIT ${limit}`,
      );
    },
    async claimRedaction(id, seenRedactAt, retryAt) {
      const changed = await sql.run(
        Prisma.sql`UPDATE "Delivery" SET "redactAt" = ${retryAt} WHERE "id" = ${id} AND "redactAt" = ${seenRedactAt} AND "redactedAt" IS NULL`,
      );
      return changed === 1;
    },
    markRedacted(id, at, event, audit) {
      const sets: [string, unknown][] = [
        ["redactedAt", at],
        ["redactAt", null],
      ];
      return record(id, deliveryWrite(id, sets, clock.now(), { event, ...(audit ? { audit } : {}) }));
    },
    abandonRedaction(id, error, event, audit) {
      const sets: [string, unknown][] = [
        ["redactAt", null],
        ["lastError", error],
      ];
      return record(id, deliveryWrite(id, sets, clock.now(), { event, ...(audit ? { audit } : {}) }));
    },
    async countByChannelAndStatus() {
      const rows = await sql.rows<{ channel: string; status: string; n: unknown }>(
        Prisma.sql`SELECT "channel", "status", COUNT(*) AS "n" FROM "Delivery" GROUP BY "channel", "status"`,
      );
      return rows.map((r) => ({ channel: r.channel, status: r.status, count: Number(r.n) }));
    },
    forRequest(requestId) {
      return many(
        Prisma.sql`SELECT * FROM "Delivery" WHERE "requestId" = ${requestId} ORDER BY "createdAt" ASC`,
      );
    },
  };
}
