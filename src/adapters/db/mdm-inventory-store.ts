// The MDM inventory sync's reads and batched writes (core/inventory/sync-intune.ts), as SQL on the
// driver connection: a page's lookups are two statements; its writes one transaction (new people
// and devices inserted in bulk, changed devices updated one by one).
import type { MdmInventoryStore } from "../../core/inventory/mdm-ports.ts";
import type { Clock } from "../../core/ports.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { DriverSql } from "./driver-connection.ts";
import {
  DEVICE_COLUMNS,
  type DeviceRow,
  mdmDeviceData,
  PERSON_COLUMNS,
  type PersonRow,
  toDevice,
  toPerson,
} from "./mappers.ts";
import { auditInsert } from "./write-sql.ts";

/** Values bound per statement: well under SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * One multi-row INSERT (the columns are this file's constants, never input). Raw SQL rather than
 * `createMany`: Prisma keeps a compiled plan per createMany call it sees, and a sync of 100,000
 * devices kept them all (memory grew with the fleet).
 */
function insertRows(table: string, rows: Record<string, unknown>[]): Prisma.Sql {
  const names = Object.keys(rows[0] ?? {});
  const values = rows.map((row) => Prisma.sql`(${Prisma.join(names.map((n) => row[n]))})`);
  return Prisma.sql`INSERT INTO ${Prisma.raw(`"${table}"`)} (${columns(names)}) VALUES ${Prisma.join(values, ", ")}`;
}

const columns = (names: readonly string[]) => Prisma.raw(names.map((c) => `"${c}"`).join(", "));
const DEVICE = columns(DEVICE_COLUMNS);
const PERSON = columns(PERSON_COLUMNS);

export function createMdmInventoryStore(sql: DriverSql, clock: Clock): MdmInventoryStore {
  return {
    async devicesByIds(ids) {
      const rows: DeviceRow[] = [];
      for (const part of chunks(ids))
        rows.push(
          ...(await sql.rows<DeviceRow>(
            Prisma.sql`SELECT ${DEVICE} FROM "Device" WHERE "id" IN (${Prisma.join(part)})`,
          )),
        );
      return rows.map(toDevice);
    },
    async peopleByEmails(emails) {
      const rows: PersonRow[] = [];
      for (const part of chunks(emails))
        rows.push(
          ...(await sql.rows<PersonRow>(
            Prisma.sql`SELECT ${PERSON} FROM "Person" WHERE "email" IN (${Prisma.join(part)})`,
          )),
        );
      return rows.map(toPerson);
    },
    async writeMdmPage({ people, added, changed }) {
      const now = clock.now();
      const statements: Prisma.Sql[] = [];
      for (const part of chunks(people))
        statements.push(
          insertRows(
            "Person",
            part.map((p) => ({
              email: p.email,
              name: p.name,
              role: p.role ?? "employee",
              createdAt: now,
              updatedAt: now,
            })),
          ),
        );
      // What the agent would report is not known for an MDM device: the rules use its MDM facts.
      for (const part of chunks(added))
        statements.push(
          insertRows(
            "Device",
            part.map((d) => ({
              id: d.id,
              ...mdmDeviceData(d),
              managementMode: "mdm",
              passcodeSet: false,
              createdAt: now,
              updatedAt: now,
            })),
          ),
        );
      for (const d of changed) {
        const sets = Object.entries({ ...mdmDeviceData(d), updatedAt: now }).map(
          ([column, value]) => Prisma.sql`${Prisma.raw(`"${column}"`)} = ${value}`,
        );
        statements.push(
          Prisma.sql`UPDATE "Device" SET ${Prisma.join(sets, ", ")} WHERE "id" = ${d.id} AND "backend" = ${d.backend}`,
        );
      }
      await sql.transaction(statements);
    },
    liveDeviceIds(backend, afterId, limit) {
      const after = afterId === null ? Prisma.empty : Prisma.sql` AND "id" > ${afterId}`;
      return sql
        .rows<{ id: string }>(
          Prisma.sql`SELECT "id" FROM "Device" WHERE "backend" = ${backend} AND "retiredAt" IS NULL${after} ORDER BY "id" LIMIT ${limit}`,
        )
        .then((rows) => rows.map((r) => r.id));
    },
    async retireDevices(backend, ids, at, audit) {
      const now = clock.now();
      const marks = chunks(ids).map(
        (part) =>
          Prisma.sql`UPDATE "Device" SET "retiredAt" = ${at}, "updatedAt" = ${now} WHERE "id" IN (${Prisma.join(part)}) AND "backend" = ${backend} AND "retiredAt" IS NULL`,
      );
      const changed = await sql.transaction([...marks, auditInsert(audit, now)]);
      return changed.slice(0, marks.length).reduce((n, c) => n + c, 0);
    },
  };
}
