import type { Clock, Stores } from "../../core/ports.ts";
import { createAuditLog } from "./audit-store.ts";
import { createContactStore } from "./contact-store.ts";
import { createDeliveryStore } from "./delivery-store.ts";
import { prismaReads, type Reads } from "./direct-reads.ts";
import { createDirectoryStore } from "./directory-store.ts";
import { createJobClaims } from "./job-claims.ts";
import { createMdmInventoryStore } from "./mdm-inventory-store.ts";
import type { Db } from "./open-database.ts";
import { createRequestStore } from "./request-store.ts";
import { createThreadStore } from "./thread-store.ts";

/** `reads`: the driver's own statements (Database.reads); through Prisma when not given. */
export function createStores(db: Db, clock: Clock, reads: Reads = prismaReads(db)): Stores {
  return {
    directory: createDirectoryStore(db, reads, clock),
    requests: createRequestStore(clock, reads),
    deliveries: createDeliveryStore(clock, reads),
    audit: createAuditLog(db, clock, reads),
    jobs: createJobClaims(db, clock),
    threads: createThreadStore(db, reads),
    contacts: createContactStore(db),
    mdmInventory: createMdmInventoryStore(db, reads, clock),
  };
}
