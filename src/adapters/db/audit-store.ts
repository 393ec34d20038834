// The audit log is append-only: this module appends the rows that stand alone; a change that is
// audited writes its row in its own transaction (write-sql.ts's guarded writes, the directory's
// imports and chat links). Nothing in the code base updates or deletes its rows. All of it as SQL
// on the driver connection.
import type { AuditLog, Clock } from "../../core/ports.ts";
import type { AuditEntry, Surface } from "../../core/types.ts";
import { type AuditEntry as DbAuditEntry, Prisma } from "../../generated/postgresql/client.ts";
import type { DriverSql } from "./driver-connection.ts";
import { insertAudit } from "./write-sql.ts";

export function createAuditLog(sql: DriverSql, clock: Clock): AuditLog {
  return {
    // One INSERT: the model's create costs many times the CPU, and every decision (each form
    // opened) writes one row, before the Slack or Teams ack.
    append: (entry) => insertAudit(sql, entry, clock.now()),
    async list(filter) {
      const since = filter.since ? Prisma.sql` WHERE "at" >= ${filter.since}` : Prisma.empty;
      const limit = filter.limit ? Prisma.sql` LIMIT ${filter.limit}` : Prisma.empty;
      const rows = await sql.rows<DbAuditEntry>(
        Prisma.sql`SELECT * FROM "AuditEntry"${since} ORDER BY "id" ASC${limit}`,
      );
      return rows.map(
        (r): AuditEntry => ({
          ...r,
          surface: r.surface as Surface,
          outcome: r.outcome as AuditEntry["outcome"],
        }),
      );
    },
  };
}
