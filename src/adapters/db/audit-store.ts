// The audit log is append-only: this module appends the rows that stand alone; a change that is
// audited writes its row in its own transaction (write-sql.ts's guarded writes, the directory's
// imports and chat links). Nothing in the code base updates or deletes its rows.
import type { AuditLog, Clock } from "../../core/ports.ts";
import type { AuditEntry, Surface } from "../../core/types.ts";
import type { Reads } from "./direct-reads.ts";
import type { Db } from "./open-database.ts";
import { insertAudit } from "./raw-sql.ts";

export function createAuditLog(db: Db, clock: Clock, sql: Reads): AuditLog {
  return {
    // One INSERT on the driver (raw-sql.ts): the model's create costs many times the CPU,
    // and every decision (each form opened) writes one row, before the Slack or Teams ack.
    append: (entry) => insertAudit(sql, entry, clock.now()),
    async list(filter) {
      const rows = await db.auditEntry.findMany({
        where: filter.since ? { at: { gte: filter.since } } : {},
        orderBy: { id: "asc" },
        ...(filter.limit ? { take: filter.limit } : {}),
      });
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
