// The inventory file import (`latchkey import`, the demo inventory): the one write of people and
// devices through the Prisma client rather than the driver connection. A narrow exception, kept on
// purpose: it is rare (an operator's command), it upserts thousands of rows in one interactive
// transaction that must see its own conflict check, and Prisma's upserts say it in a few lines.
// On SQLite the driver connection's writes wait while this transaction is open (driver-connection.ts).
import type { AuditInput, Clock, Directory } from "../../core/ports.ts";
import { deviceData } from "./mappers.ts";
import type { Db } from "./open-database.ts";
import { auditInsert } from "./write-sql.ts";

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

export function createInventoryImport(db: Db, clock: Clock): Pick<Directory, "upsertInventory"> {
  return {
    async upsertInventory(people, devices, audit?: AuditInput) {
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
        // The audit row of the import, in its transaction (the append write-sql.ts writes: as SQL,
        // a refusing database's own message reaches the operator, where the model API hides it).
        if (audit) await tx.$executeRaw(auditInsert(audit, clock.now()));
      });
      return { people: people.length, devices: devices.length };
    },
  };
}
