// People and devices.
import type { AuditInput, Clock, Directory } from "../../core/ports.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { Reads } from "./direct-reads.ts";
import { deviceData, toDevice, toPerson } from "./mappers.ts";
import type { Db } from "./open-database.ts";
import {
  auditInsert,
  chatUserIdOf,
  deviceRow,
  deviceRowBySecretHash,
  deviceRowsOf,
  deviceWithOwnerRow,
  personRow,
  personRowByChatUser,
  touchDevice,
} from "./raw-sql.ts";
import { enrollmentCodeWrite, enrollmentWrite } from "./write-sql.ts";

const CHAT_COLUMN = { slack: "slackUserId", teams: "teamsUserId" } as const;

/** An inventory file names a device another back-end keeps (an Intune device): nothing is imported. */
export class InventoryConflict extends Error {
  override name = "InventoryConflict";
  constructor(
    readonly deviceId: string,
    readonly backend: string,
  ) {
    super(
      `Device ${deviceId} is managed through ${backend === "intune" ? "Intune" : backend} and kept up to date by its sync ("latchkey sync ${backend}"); take it out of the inventory file. Nothing was imported.`,
    );
  }
}

export function createDirectoryStore(db: Db, reads: Reads, clock: Clock): Directory {
  /** The audit row of a change, written by the change's own transaction. */
  const audited = (tx: Pick<Db, "$executeRaw">, audit: AuditInput | undefined) =>
    audit ? tx.$executeRaw(auditInsert(audit, clock.now())) : Promise.resolve(0);
  return {
    async person(email) {
      const row = await personRow(reads, email.trim().toLowerCase());
      return row ? toPerson(row) : null;
    },
    async device(id) {
      const row = await deviceRow(reads, id);
      return row ? toDevice(row) : null;
    },
    async deviceWithOwner(id) {
      const row = await deviceWithOwnerRow(reads, id);
      if (!row) return null;
      return {
        device: toDevice(row),
        owner: toPerson({ email: row.ownerEmail, name: row.ownerName, role: row.ownerRole }),
      };
    },
    async devicesOf(ownerEmail) {
      return (await deviceRowsOf(reads, ownerEmail.toLowerCase())).map(toDevice);
    },
    async listDevices(filter = {}) {
      const rows = await db.device.findMany({
        where: filter.ownerEmail ? { ownerEmail: filter.ownerEmail.toLowerCase() } : {},
        orderBy: { id: "asc" },
      });
      return rows.map(toDevice);
    },
    countDevices: () => db.device.count(),
    async upsertInventory(people, devices, audit) {
      await db.$transaction(async (tx) => {
        // An inventory file describes agent devices; an MDM's devices come from its sync.
        for (let i = 0; i < devices.length; i += 500) {
          const synced = await tx.device.findFirst({
            where: { id: { in: devices.slice(i, i + 500).map((d) => d.id) }, NOT: { backend: "agent" } },
            select: { id: true, backend: true },
          });
          if (synced) throw new InventoryConflict(synced.id, synced.backend);
        }
        for (const p of people) {
          const data = { name: p.name, ...(p.role ? { role: p.role } : {}) };
          await tx.person.upsert({
            where: { email: p.email },
            create: { email: p.email, ...data },
            update: data,
          });
        }
        for (const d of devices) {
          const data = deviceData(d);
          await tx.device.upsert({ where: { id: d.id }, create: { id: d.id, ...data }, update: data });
        }
        await audited(tx, audit);
      });
      return { people: people.length, devices: devices.length };
    },
    async setEnrollmentCode(deviceId, codeHash, expiresAt, audit) {
      const write = enrollmentCodeWrite(deviceId, codeHash, expiresAt, audit, clock.now());
      return (await reads.atomic(write)) !== null;
    },
    async completeEnrollment(deviceId, codes, now, audit) {
      return (await reads.atomic(enrollmentWrite(deviceId, codes, now, audit))) !== null;
    },
    async deviceBySecretHash(secretHash) {
      const row = await deviceRowBySecretHash(reads, secretHash);
      return row ? toDevice(row) : null;
    },
    async setPushToken(deviceId, token) {
      await db.device.update({
        where: { id: deviceId },
        data: { pushToken: token, pushUnreachableAt: null },
      });
    },
    async markPushUnreachable(deviceId, at) {
      await db.device.update({ where: { id: deviceId }, data: { pushUnreachableAt: at } });
    },
    async markPasscodeSet(deviceId) {
      await reads.run(
        Prisma.sql`UPDATE "Device" SET "passcodeSet" = ${true}, "updatedAt" = ${new Date()} WHERE "id" = ${deviceId}`,
      );
    },
    touchSeen: (deviceId, at) => touchDevice(reads, deviceId, at),
    async personByChatUser(surface, chatUserId) {
      const row = await personRowByChatUser(reads, surface, chatUserId);
      return row ? toPerson(row) : null;
    },
    async linkChatUser(surface, chatUserId, email, audit) {
      const column = CHAT_COLUMN[surface];
      await db.$transaction(async (tx) => {
        // A Slack or Teams account can move to another person (a reused mailbox): unlink it first.
        await tx.person.updateMany({
          where: { [column]: chatUserId, NOT: { email: email.trim().toLowerCase() } },
          data: { [column]: null },
        });
        await tx.person.update({
          where: { email: email.trim().toLowerCase() },
          data: { [column]: chatUserId },
        });
        await audited(tx, audit);
      });
    },
    async findPeople(text, limit) {
      const q = text.trim().toLowerCase();
      if (!q) return [];
      // PostgreSQL's contains is case-sensitive and SQLite's is not (and takes no mode option):
      // asking for the lower-case and the capitalised form covers how names are written.
      const capitalised = q.charAt(0).toUpperCase() + q.slice(1);
      const rows = await db.person.findMany({
        where: {
          OR: [{ email: { startsWith: q } }, { name: { contains: q } }, { name: { contains: capitalised } }],
        },
        orderBy: { email: "asc" },
        take: limit,
      });
      return rows.map(toPerson);
    },
    async unlinkChatUser(surface, chatUserId, audit) {
      const column = CHAT_COLUMN[surface];
      await db.$transaction(async (tx) => {
        await tx.person.updateMany({ where: { [column]: chatUserId }, data: { [column]: null } });
        await audited(tx, audit);
      });
    },
    async chatUserOf(surface, email) {
      return chatUserIdOf(reads, surface, email.trim().toLowerCase());
    },
  };
}
