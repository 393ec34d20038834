// People and devices, as SQL on the driver connection; the inventory file import is the one
// write through Prisma (inventory-import.ts), joined to this store in stores.ts.
import type { AuditInput, Clock, Directory } from "../../core/ports.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { DriverSql, Statement } from "./driver-connection.ts";
import {
  DEVICE_COLUMNS,
  type DeviceRow,
  PERSON_COLUMNS,
  type PersonRow,
  toDevice,
  toPerson,
} from "./mappers.ts";
import {
  chatUserIdOf,
  deviceRow,
  deviceRowBySecretHash,
  deviceRowsOf,
  deviceWithOwnerRow,
  personRow,
  personRowByChatUser,
} from "./read-sql.ts";
import { auditInsert, enrollmentCodeWrite, enrollmentWrite } from "./write-sql.ts";

/** The column holding a person's Slack or Teams account id (constants, never input). */
const CHAT_COLUMN = { slack: Prisma.raw('"slackUserId"'), teams: Prisma.raw('"teamsUserId"') };
const DEVICE = Prisma.raw(DEVICE_COLUMNS.map((c) => `"${c}"`).join(", "));
const PERSON = Prisma.raw(PERSON_COLUMNS.map((c) => `"${c}"`).join(", "));
/** `text` matched literally inside a LIKE pattern (`\` escapes % and _). */
const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function createDirectoryStore(sql: DriverSql, clock: Clock): Omit<Directory, "upsertInventory"> {
  /** The statements of a change with its audit row, in one transaction. */
  const audited = (statements: Statement[], audit: AuditInput | undefined) =>
    sql.transaction(audit ? [...statements, auditInsert(audit, clock.now())] : statements);
  const devicesOf = async (ownerEmail: string) =>
    (await deviceRowsOf(sql, ownerEmail.toLowerCase())).map(toDevice);
  return {
    async person(email) {
      const row = await personRow(sql, email.trim().toLowerCase());
      return row ? toPerson(row) : null;
    },
    async device(id) {
      const row = await deviceRow(sql, id);
      return row ? toDevice(row) : null;
    },
    async deviceWithOwner(id) {
      const row = await deviceWithOwnerRow(sql, id);
      if (!row) return null;
      return {
        device: toDevice(row),
        owner: toPerson({ email: row.ownerEmail, name: row.ownerName, role: row.ownerRole }),
      };
    },
    devicesOf,
    async listDevices(filter = {}) {
      if (filter.ownerEmail) return devicesOf(filter.ownerEmail);
      return (await sql.rows<DeviceRow>(Prisma.sql`SELECT ${DEVICE} FROM "Device" ORDER BY "id"`)).map(
        toDevice,
      );
    },
    async countDevices() {
      // COUNT(*) is a bigint on PostgreSQL (a string from the driver).
      const [row] = await sql.rows<{ n: unknown }>(Prisma.sql`SELECT COUNT(*) AS "n" FROM "Device"`);
      return Number(row?.n ?? 0);
    },
    async setEnrollmentCode(deviceId, codeHash, expiresAt, audit) {
      const write = enrollmentCodeWrite(deviceId, codeHash, expiresAt, audit, clock.now());
      return (await sql.atomic(write)) !== null;
    },
    async completeEnrollment(deviceId, codes, now, audit) {
      return (await sql.atomic(enrollmentWrite(deviceId, codes, now, audit))) !== null;
    },
    async deviceBySecretHash(secretHash) {
      const row = await deviceRowBySecretHash(sql, secretHash);
      return row ? toDevice(row) : null;
    },
    async setPushToken(deviceId, token) {
      await sql.run(
        Prisma.sql`UPDATE "Device" SET "pushToken" = ${token}, "pushUnreachableAt" = NULL, "updatedAt" = ${new Date()} WHERE "id" = ${deviceId}`,
      );
    },
    async markPushUnreachable(deviceId, at) {
      await sql.run(
        Prisma.sql`UPDATE "Device" SET "pushUnreachableAt" = ${at}, "updatedAt" = ${new Date()} WHERE "id" = ${deviceId}`,
      );
    },
    async markPasscodeSet(deviceId) {
      await sql.run(
        Prisma.sql`UPDATE "Device" SET "passcodeSet" = ${true}, "updatedAt" = ${new Date()} WHERE "id" = ${deviceId}`,
      );
    },
    // A device seen now (each authenticated device call).
    async touchSeen(deviceId, at) {
      await sql.run(
        Prisma.sql`UPDATE "Device" SET "lastSeenAt" = ${at}, "updatedAt" = ${new Date()} WHERE "id" = ${deviceId}`,
      );
    },
    async personByChatUser(surface, chatUserId) {
      const row = await personRowByChatUser(sql, surface, chatUserId);
      return row ? toPerson(row) : null;
    },
    async linkChatUser(surface, chatUserId, email, audit) {
      const column = CHAT_COLUMN[surface];
      const who = email.trim().toLowerCase();
      // A Slack or Teams account can move to another person (a reused mailbox): unlink it first.
      // Someone not in the inventory: nothing is written, the existing match stays.
      await audited(
        [
          Prisma.sql`UPDATE "Person" SET ${column} = NULL, "updatedAt" = ${new Date()} WHERE ${column} = ${chatUserId} AND "email" <> ${who}`,
          {
            query: Prisma.sql`UPDATE "Person" SET ${column} = ${chatUserId}, "updatedAt" = ${new Date()} WHERE "email" = ${who}`,
            orFail: `no person ${who} in the inventory to link ${surface} user ${chatUserId} to`,
          },
        ],
        audit,
      );
    },
    async findPeople(text, limit) {
      const q = text.trim().toLowerCase();
      if (!q) return [];
      // LIKE is case-sensitive on PostgreSQL and not on SQLite (ASCII): asking for the lower-case
      // and the capitalised form covers how names are written.
      const capitalised = q.charAt(0).toUpperCase() + q.slice(1);
      const rows = await sql.rows<PersonRow>(
        Prisma.sql`SELECT ${PERSON} FROM "Person" WHERE "email" LIKE ${`${literal(q)}%`} ESCAPE '\\' OR "name" LIKE ${`%${literal(q)}%`} ESCAPE '\\' OR "name" LIKE ${`%${literal(capitalised)}%`} ESCAPE '\\' ORDER BY "email" LIMIT ${limit}`,
      );
      return rows.map(toPerson);
    },
    async unlinkChatUser(surface, chatUserId, audit) {
      const column = CHAT_COLUMN[surface];
      await audited(
        [
          Prisma.sql`UPDATE "Person" SET ${column} = NULL, "updatedAt" = ${new Date()} WHERE ${column} = ${chatUserId}`,
        ],
        audit,
      );
    },
    async chatUserOf(surface, email) {
      return chatUserIdOf(sql, surface, email.trim().toLowerCase());
    },
  };
}
