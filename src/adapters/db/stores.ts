import type { Clock, Stores } from "../../core/ports.ts";
import { createAuditLog } from "./audit-store.ts";
import { createContactStore } from "./contact-store.ts";
import { createDeliveryStore } from "./delivery-store.ts";
import { createDirectoryStore } from "./directory-store.ts";
import { createJobClaims } from "./job-claims.ts";
import type { Db } from "./open-database.ts";
import { createRequestStore } from "./request-store.ts";
import { createThreadStore } from "./thread-store.ts";

export function createStores(db: Db, clock: Clock): Stores {
  return {
    directory: createDirectoryStore(db),
    requests: createRequestStore(db, clock),
    deliveries: createDeliveryStore(db, clock),
    audit: createAuditLog(db, clock),
    jobs: createJobClaims(db, clock),
    threads: createThreadStore(db),
    contacts: createContactStore(db),
  };
}
