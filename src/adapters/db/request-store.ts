// Reset requests and their timelines. Every state change is a compare-and-set on `state`,
// written with its timeline event (and audit row, and queued deliveries) in one transaction.
import type { AuditInput, Clock, NewEvent, RequestStore } from "../../core/ports.ts";
import { ACTIVE_STATES, FINAL_STATES, isFinal } from "../../core/types.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import { prismaReads, type Reads } from "./direct-reads.ts";
import { toRequest } from "./mappers.ts";
import type { Db } from "./open-database.ts";
import {
  activeRequestRow,
  activeRequestRows,
  eventRows,
  insertAudit,
  insertEvents,
  requestRow,
} from "./raw-sql.ts";

type Tx = Prisma.TransactionClient;

export const writeEvents = (tx: Tx, requestId: string, events: NewEvent[], at: Date) =>
  insertEvents(prismaReads(tx), requestId, events, at);

export async function writeAudit(tx: Tx, entry: AuditInput | undefined, at: Date): Promise<void> {
  if (entry) await insertAudit(prismaReads(tx), entry, at);
}

/** One thread per request, surface and purpose: the id says which, so a retry cannot add a second. */
export function threadId(requestId: string, t: { surface: string; purpose: string }): string {
  return `th_${requestId}_${t.surface}_${t.purpose}`;
}

function uniqueViolation(err: unknown): string | null {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== "P2002") return null;
  const target = JSON.stringify(err.meta ?? {});
  if (target.includes("idempotencyKeyHash")) return "duplicate";
  if (target.includes("activeDeviceId")) return "device_busy";
  return "unknown";
}

export function createRequestStore(db: Db, clock: Clock, reads: Reads): RequestStore {
  const get = async (id: string) => {
    const row = await requestRow(reads, id);
    return row ? toRequest(row) : null;
  };
  return {
    get,
    async create(request, events, extras) {
      const now = clock.now();
      try {
        const row = await db.$transaction(async (tx) => {
          const created = await tx.resetRequest.create({
            data: {
              ...request,
              activeDeviceId: isFinal(request.state) ? null : request.deviceId,
              createdAt: now,
            },
          });
          await writeEvents(tx, request.id, events, now);
          await writeAudit(tx, extras.audit, now);
          for (const t of extras.threads ?? []) {
            await tx.chatThread.create({
              data: { id: threadId(request.id, t), requestId: request.id, ...t, createdAt: now },
            });
          }
          if (extras.passcodeDigest) {
            await tx.passcodeHistory.create({
              data: { deviceId: request.deviceId, digest: extras.passcodeDigest, createdAt: now },
            });
          }
          return created;
        });
        return { created: true, request: toRequest(row) };
      } catch (err) {
        const kind = uniqueViolation(err);
        // Two starts with one key racing (a double click landing on two replicas) violate both
        // unique keys; PostgreSQL may name the device's first. The key decides: same request.
        if (kind && request.idempotencyKeyHash) {
          const existing = await db.resetRequest.findUnique({
            where: { idempotencyKeyHash: request.idempotencyKeyHash },
          });
          if (existing) return { created: false, reason: "duplicate", existing: toRequest(existing) };
        }
        if (kind === "device_busy") {
          const existing = await db.resetRequest.findUnique({ where: { activeDeviceId: request.deviceId } });
          if (existing) return { created: false, reason: "device_busy", existing: toRequest(existing) };
        }
        throw err;
      }
    },
    async byIdempotencyKeyHash(hash) {
      const row = await db.resetRequest.findUnique({ where: { idempotencyKeyHash: hash } });
      return row ? toRequest(row) : null;
    },
    async activeForDevice(deviceId) {
      const row = await activeRequestRow(reads, deviceId);
      return row ? toRequest(row) : null;
    },
    async activeForDevices(deviceIds) {
      return (await activeRequestRows(reads, deviceIds)).map(toRequest);
    },
    async passcodeCipher(id) {
      const row = await db.resetRequest.findUnique({ where: { id }, select: { passcodeCipher: true } });
      return row?.passcodeCipher ?? null;
    },
    async transition(id, t) {
      const now = clock.now();
      const final = isFinal(t.to);
      return db.$transaction(async (tx) => {
        const res = await tx.resetRequest.updateMany({
          where: { id, state: { in: [...t.from] } },
          data: {
            state: t.to,
            ...(t.outcome !== undefined ? { outcome: t.outcome } : {}),
            ...(t.nextPushAt !== undefined ? { nextPushAt: t.nextPushAt } : {}),
            ...(final ? { activeDeviceId: null, finishedAt: now, nextPushAt: null } : {}),
            ...(t.purgePasscode ? { passcodeCipher: null, purgedAt: now } : {}),
            ...(t.passcode ? { passcodeCipher: t.passcode.cipher } : {}),
            ...(t.expiresAt ? { expiresAt: t.expiresAt } : {}),
          },
        });
        if (res.count !== 1) return null;
        await writeEvents(tx, id, [...(t.before ?? []), t.event], now);
        await writeAudit(tx, t.audit, now);
        for (const d of t.deliveries ?? []) {
          await tx.delivery.create({
            data: { ...d, requestId: id, status: "pending", nextAttemptAt: now, createdAt: now },
          });
        }
        // Read inside the transaction (its own writes), as SQL.
        const row = await requestRow(prismaReads(tx), id);
        if (!row) throw new Error(`request ${id} vanished inside its own transaction`);
        if (t.passcode) {
          await tx.passcodeHistory.create({
            data: { deviceId: row.deviceId, digest: t.passcode.digest, createdAt: now },
          });
        }
        return toRequest(row);
      });
    },
    addEvent: (id, event) => insertEvents(reads, id, [event], clock.now()),
    async claimPush(id, seenAttempts, nextPushAt) {
      const res = await db.resetRequest.updateMany({
        where: { id, pushAttempts: seenAttempts },
        data: { pushAttempts: seenAttempts + 1, nextPushAt },
      });
      return res.count === 1;
    },
    async schedulePush(id, at) {
      await db.resetRequest.updateMany({
        where: { id, state: { in: [...ACTIVE_STATES] } },
        data: { nextPushAt: at },
      });
    },
    async duePushes(now, limit) {
      const rows = await db.resetRequest.findMany({
        where: { state: { in: ["checked", "passcode_generated", "pushed"] }, nextPushAt: { lte: now } },
        orderBy: { nextPushAt: "asc" },
        take: limit,
      });
      return rows.map(toRequest);
    },
    async dueExpiries(now, limit) {
      const rows = await db.resetRequest.findMany({
        where: { state: { in: ACTIVE_STATES.filter((s) => s !== "locked") }, expiresAt: { lte: now } },
        orderBy: { expiresAt: "asc" },
        take: limit,
      });
      return rows.map(toRequest);
    },
    async purgeable(finishedBefore, limit) {
      const rows = await db.resetRequest.findMany({
        where: {
          state: { in: [...FINAL_STATES] },
          passcodeCipher: { not: null },
          finishedAt: { lte: finishedBefore },
        },
        take: limit,
      });
      return rows.map(toRequest);
    },
    async purgePasscode(id, event) {
      const now = clock.now();
      return db.$transaction(async (tx) => {
        const res = await tx.resetRequest.updateMany({
          where: { id, passcodeCipher: { not: null } },
          data: { passcodeCipher: null, purgedAt: now },
        });
        if (res.count !== 1) return false;
        await writeEvents(tx, id, [event], now);
        return true;
      });
    },
    async list(filter) {
      const rows = await db.resetRequest.findMany({
        where: {
          ...(filter.deviceId ? { deviceId: filter.deviceId } : {}),
          ...(filter.requestedBy ? { requestedBy: filter.requestedBy } : {}),
          ...(filter.states ? { state: { in: filter.states } } : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: filter.limit,
      });
      return rows.map(toRequest);
    },
    async events(id, afterId = 0) {
      const rows = await eventRows(reads, id, afterId);
      return rows.map((r) => ({
        id: r.id,
        requestId: r.requestId,
        at: r.at,
        type: r.type,
        actor: r.actor,
        detail: r.detail,
      }));
    },
    async recentPasscodeDigests(deviceId, count) {
      const rows = await db.passcodeHistory.findMany({
        where: { deviceId },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: count,
        select: { digest: true },
      });
      return rows.map((r) => r.digest);
    },
  };
}
