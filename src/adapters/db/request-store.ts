// Reset requests and their timelines. Every state change is a compare-and-set on `state`,
// written with its timeline event (and audit row, and queued deliveries) in one transaction
// (write-sql.ts); all of it as SQL on the driver connection (driver-connection.ts).
import type { Clock, RequestStore } from "../../core/ports.ts";
import { ACTIVE_STATES, FINAL_STATES } from "../../core/types.ts";
import { type ResetRequest as DbRequest, Prisma } from "../../generated/postgresql/client.ts";
import type { DriverSql } from "./driver-connection.ts";
import { toRequest } from "./mappers.ts";
import { activeRequestRow, activeRequestRows, eventRows, requestRow } from "./read-sql.ts";
import {
  createRequestWrite,
  insertEvents,
  purgePasscodeWrite,
  requestUpdate,
  transitionWrite,
} from "./write-sql.ts";

const dueStates = (states: readonly string[]) => Prisma.join([...states]);

export function createRequestStore(clock: Clock, sql: DriverSql): RequestStore {
  const get = async (id: string) => {
    const row = await requestRow(sql, id);
    return row ? toRequest(row) : null;
  };
  const one = async (query: Prisma.Sql) => {
    const [row] = await sql.rows<DbRequest>(query);
    return row ? toRequest(row) : null;
  };
  const many = async (query: Prisma.Sql) => (await sql.rows<DbRequest>(query)).map(toRequest);
  const byKey = (hash: string) =>
    one(Prisma.sql`SELECT * FROM "ResetRequest" WHERE "idempotencyKeyHash" = ${hash}`);
  const activeFor = async (deviceId: string) => {
    const row = await activeRequestRow(sql, deviceId);
    return row ? toRequest(row) : null;
  };
  return {
    get,
    async create(request, events, extras) {
      // A start refused by a unique key writes nothing: the key's holder is the answer. Should it
      // have finished in between (the device free again), the insert is tried once more.
      for (let attempt = 0; attempt < 2; attempt++) {
        const created = await sql.atomic<DbRequest>(createRequestWrite(request, events, extras, clock.now()));
        if (created) return { created: true, request: toRequest(created) };
        const existing = request.idempotencyKeyHash ? await byKey(request.idempotencyKeyHash) : null;
        if (existing) return { created: false, reason: "duplicate", existing };
        const busy = await activeFor(request.deviceId);
        if (busy) return { created: false, reason: "device_busy", existing: busy };
      }
      throw new Error(`request ${request.id} could not be stored: its id is already taken`);
    },
    byIdempotencyKeyHash: byKey,
    activeForDevice: activeFor,
    async activeForDevices(deviceIds) {
      return (await activeRequestRows(sql, deviceIds)).map(toRequest);
    },
    async passcodeCipher(id) {
      const [row] = await sql.rows<{ passcodeCipher: string | null }>(
        Prisma.sql`SELECT "passcodeCipher" FROM "ResetRequest" WHERE "id" = ${id}`,
      );
      return row?.passcodeCipher ?? null;
    },
    async transition(id, t) {
      const row = await sql.atomic<DbRequest>(transitionWrite(id, t, clock.now()));
      return row ? toRequest(row) : null;
    },
    addEvent: (id, event) => insertEvents(sql, id, [event], clock.now()),
    async claimPush(id, seenAttempts, nextPushAt) {
      const sets: [string, unknown][] = [
        ["pushAttempts", seenAttempts + 1],
        ["nextPushAt", nextPushAt],
      ];
      return (
        (await sql.run(
          requestUpdate(id, sets, Prisma.sql`"pushAttempts" = ${seenAttempts}`, clock.now()),
        )) === 1
      );
    },
    async claimMdmSend(id, seenAttempts, leaseUntil, baselines) {
      const sets: [string, unknown][] = [
        ["pushAttempts", seenAttempts + 1],
        ["nextPushAt", leaseUntil],
        ["mdmBaselines", JSON.stringify(baselines)],
      ];
      return (
        (await sql.run(
          requestUpdate(id, sets, Prisma.sql`"pushAttempts" = ${seenAttempts}`, clock.now()),
        )) === 1
      );
    },
    async schedulePush(id, at) {
      const active = Prisma.sql`"state" IN (${dueStates(ACTIVE_STATES)})`;
      await sql.run(requestUpdate(id, [["nextPushAt", at]], active, clock.now()));
    },
    duePushes: (now, limit) =>
      many(
        Prisma.sql`SELECT * FROM "ResetRequest" WHERE "state" IN (${dueStates(["checked", "passcode_generated", "pushed", "passcode_reset"])}) AND "nextPushAt" <= ${now} ORDER BY "nextPushAt" ASC LIMIT ${limit}`,
      ),
    // Not ordered by deadline: PostgreSQL would walk the deadline index through every finished
    // request past its deadline to find open ones (benchmark 4); by (state, expiresAt) it sql
    // only the open requests due. Which due ones a sweep takes first does not matter: each sweep
    // takes up to `limit` and expires them.
    dueExpiries: (now, limit) =>
      many(
        Prisma.sql`SELECT * FROM "ResetRequest" WHERE "state" IN (${dueStates(ACTIVE_STATES.filter((s) => s !== "locked"))}) AND "expiresAt" <= ${now} LIMIT ${limit}`,
      ),
    // A passcode is kept until someone has it: no delivery still under way, none sent within the
    // window, and, when there were deliveries, at least one that went out (a request whose every
    // delivery failed keeps its passcode for a resend: its device may hold it).
    purgeable: (finishedBefore, limit) =>
      many(
        Prisma.sql`SELECT * FROM "ResetRequest" r WHERE r."state" IN (${dueStates(FINAL_STATES)}) AND r."passcodeCipher" IS NOT NULL AND r."finishedAt" <= ${finishedBefore}
          AND NOT EXISTS (SELECT 1 FROM "Delivery" d WHERE d."requestId" = r."id" AND (d."status" = 'pending' OR d."sentAt" > ${finishedBefore}))
          AND (NOT EXISTS (SELECT 1 FROM "Delivery" d WHERE d."requestId" = r."id") OR EXISTS (SELECT 1 FROM "Delivery" d WHERE d."requestId" = r."id" AND d."status" = 'sent'))
          LIMIT ${limit}`,
      ),
    async purgePasscode(id, event) {
      return (await sql.atomic(purgePasscodeWrite(id, event, clock.now()))) !== null;
    },
    list(filter) {
      const where = [Prisma.sql`1 = 1`];
      if (filter.deviceId) where.push(Prisma.sql`"deviceId" = ${filter.deviceId}`);
      if (filter.requestedBy) where.push(Prisma.sql`"requestedBy" = ${filter.requestedBy}`);
      if (filter.states) where.push(Prisma.sql`"state" IN (${dueStates(filter.states)})`);
      return many(
        Prisma.sql`SELECT * FROM "ResetRequest" WHERE ${Prisma.join(where, " AND ")} ORDER BY "createdAt" DESC, "id" DESC LIMIT ${filter.limit}`,
      );
    },
    async events(id, afterId = 0) {
      const rows = await eventRows(sql, id, afterId);
      return rows.map((r) => ({
        id: r.id,
        requestId: r.requestId,
        at: r.at,
        type: r.type,
        actor: r.actor,
        detail: r.detail,
      }));
    },
    async countByState() {
      const rows = await sql.rows<{ state: string; n: unknown }>(
        Prisma.sql`SELECT "state", COUNT(*) AS "n" FROM "ResetRequest" GROUP BY "state"`,
      );
      return rows.map((r) => ({ state: r.state, count: Number(r.n) }));
    },
    async recentPasscodeDigests(deviceId, count) {
      const rows = await sql.rows<{ digest: string }>(
        Prisma.sql`SELECT "digest" FROM "PasscodeHistory" WHERE "deviceId" = ${deviceId} ORDER BY "createdAt" DESC, "id" DESC LIMIT ${count}`,
      );
      return rows.map((r) => r.digest);
    },
  };
}
