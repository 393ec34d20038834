// People and devices.
import type { Directory } from "../../core/ports.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { Reads } from "./direct-reads.ts";
import { deviceData, toDevice, toPerson } from "./mappers.ts";
import type { Db } from "./open-database.ts";
import {
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

export function createDirectoryStore(db: Db, reads: Reads): Directory {
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
    async upsertInventory(people, devices) {
      await db.$transaction(async (tx) => {
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
      });
      return { people: people.length, devices: devices.length };
    },
    async setEnrollmentCode(deviceId, codeHash, expiresAt, audit) {
      return (
        (await reads.atomic(enrollmentCodeWrite(deviceId, codeHash, expiresAt, audit, new Date()))) !== null
      );
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
    async linkChatUser(surface, chatUserId, email) {
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
    async unlinkChatUser(surface, chatUserId) {
      const column = CHAT_COLUMN[surface];
      await db.person.updateMany({ where: { [column]: chatUserId }, data: { [column]: null } });
    },
    async chatUserOf(surface, email) {
      return chatUserIdOf(reads, surface, email.trim().toLowerCase());
    },
  };
}
