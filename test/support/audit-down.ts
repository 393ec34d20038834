// Makes the audit log refuse every insert (a trigger), as a full disk or a lost connection would
// at the worst moment: a test then checks that the change the row was for was not written either.
import type { TestEngine } from "./test-engine.ts";

export async function auditRefusesInserts(t: TestEngine, db: "sqlite" | "postgresql"): Promise<void> {
  const run = (sql: string) => t.database.db.$executeRawUnsafe(sql);
  if (db === "sqlite") {
    await run(
      `CREATE TRIGGER "audit_down" BEFORE INSERT ON "AuditEntry" BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`,
    );
    return;
  }
  await run(
    `CREATE FUNCTION "audit_down"() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$ LANGUAGE plpgsql`,
  );
  await run(
    `CREATE TRIGGER "audit_down" BEFORE INSERT ON "AuditEntry" FOR EACH ROW EXECUTE FUNCTION "audit_down"()`,
  );
}

export async function auditAcceptsInsertsAgain(t: TestEngine, db: "sqlite" | "postgresql"): Promise<void> {
  await t.database.db.$executeRawUnsafe(
    `DROP TRIGGER "audit_down"${db === "sqlite" ? "" : ' ON "AuditEntry"'}`,
  );
}
