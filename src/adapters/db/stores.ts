// Every store, each reaching the database one way: the driver connection (DriverSql: requests,
// deliveries, threads, audit log, directory, MDM inventory) or the Prisma client (Db: the inventory
// file import, job claims, chat contacts). test/architecture.test.ts checks a store takes one.
import type { Clock, Stores } from "../../core/ports.ts";
import { createAuditLog } from "./audit-store.ts";
import { createContactStore } from "./contact-store.ts";
import { createDeliveryStore } from "./delivery-store.ts";
import { createDirectoryStore } from "./directory-store.ts";
import type { DriverSql } from "./driver-connection.ts";
import { createInventoryImport } from "./inventory-import.ts";
import { createJobClaims } from "./job-claims.ts";
import { createMdmInventoryStore } from "./mdm-inventory-store.ts";
import type { Db } from "./open-database.ts";
import { createRequestStore } from "./request-store.ts";
import { createThreadStore } from "./thread-store.ts";

/** `sql`: the driver connection (Database.sql), or the Prisma client's raw queries (prisma-sql.ts). */
export function createStores(database: { db: Db; sql: DriverSql }, clock: Clock): Stores {
  const { db, sql } = database;
  return {
    directory: { ...createDirectoryStore(sql, clock), ...createInventoryImport(db, clock) },
    requests: createRequestStore(clock, sql),
    deliveries: createDeliveryStore(clock, sql),
    audit: createAuditLog(sql, clock),
    jobs: createJobClaims(db, clock),
    threads: createThreadStore(sql),
    contacts: createContactStore(db),
    mdmInventory: createMdmInventoryStore(sql, clock),
  };
}
