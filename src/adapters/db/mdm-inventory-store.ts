// The MDM inventory sync's reads and batched writes (core/inventory/sync-intune.ts). Reads run on
// the driver (a page's lookups: two statements); each page's writes are one Prisma transaction:
// new people and devices inserted in bulk (createMany), changed devices updated one by one.
import type { MdmInventoryStore } from "../../core/inventory/mdm-ports.ts";
import type { Clock } from "../../core/ports.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { Reads } from "./direct-reads.ts";
import {
  DEVICE_COLUMNS,
  type DeviceRow,
  mdmDeviceData,
  PERSON_COLUMNS,
  type PersonRow,
  toDevice,
  toPerson,
} from "./mappers.ts";
import type { Db } from "./open-database.ts";
import { auditInsert } from "./raw-sql.ts";

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

export function createMdmInventoryStore(db: Db, reads: Reads, clock: Clock): MdmInventoryStore {
  return {
    async devicesByIds(ids) {
      const rows: DeviceRow[] = [];
      for (const part of chunks(ids))
        rows.push(
          ...(await reads.rows<DeviceRow>(
            Prisma.sql`SELECT ${DEVICE} FROM "Device" WHERE "id" IN (${Prisma.join(part)})`,
          )),
        );
      return rows.map(toDevice);
    },
    async peopleByEmails(emails) {
      const rows: PersonRow[] = [];
      for (const part of chunks(emails))
        rows.push(
          ...(await reads.rows<PersonRow>(
            Prisma.sql`SELECT ${PERSON} FROM "Person" WHERE "email" IN (${Prisma.join(part)})`,
          )),
        );
      return rows.map(toPerson);
    },
    async writeMdmPage({ people, added, changed }) {
      const now = clock.now();
      await db.$transaction(
        async (tx) => {
          for (const part of chunks(people))
            await tx.$executeRaw(
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
            await tx.$executeRaw(
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
            await tx.$executeRaw(
              Prisma.sql`UPDATE "Device" SET ${Prisma.join(sets, ", ")} WHERE "id" = ${d.id} AND "backend" = ${d.backend}`,
            );
          }
        },
        { timeout: 60_000, maxWait: 60_000 },
      );
    },
    liveDeviceIds(backend, afterId, limit) {
      const after = afterId === null ? Prisma.empty : Prisma.sql` AND "id" > ${afterId}`;
      return reads
        .rows<{ id: string }>(
          Prisma.sql`SELECT "id" FROM "Device" WHERE "backend" = ${backend} AND "retiredAt" IS NULL${after} ORDER BY "id" LIMIT ${limit}`,
        )
        .then((rows) => rows.map((r) => r.id));
    },
    async retireDevices(backend, ids, at, audit) {
      return db.$transaction(
        async (tx) => {
          let marked = 0;
          for (const part of chunks(ids)) {
            const r = await tx.device.updateMany({
              where: { id: { in: part }, backend, retiredAt: null },
              data: { retiredAt: at },
            });
            marked += r.count;
          }
          await tx.$executeRaw(auditInsert(audit, clock.now()));
          return marked;
        },
        { timeout: 60_000, maxWait: 60_000 },
      );
    },
  };
}
