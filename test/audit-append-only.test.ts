// The audit log is append-only: no code path updates or deletes its rows. Checked on the sources
// themselves, like test/architecture.test.ts: every mention of Prisma's `auditEntry` delegate in
// src/ must be a create or a read, no raw SQL in src/ or in a migration changes or removes
// AuditEntry rows, and no relation reaches the table (so no cascade or nested write can).
// The detector is checked first against every form it must catch.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src");
const rel = (file: string) => relative(ROOT, file).split(sep).join("/");

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && pattern.test(d.name))
    .map((d) => join(d.parentPath, d.name))
    .sort();
}

const sources = files(SRC, /\.(ts|mts|js|mjs)$/).filter((f) => !f.startsWith(join(SRC, "generated") + sep));
const migrations = files(join(ROOT, "prisma"), /\.sql$/);
const schemas = files(join(ROOT, "prisma"), /\.prisma$/);

/** What Prisma's delegate may be asked: create rows, read them. Anything else is a change. */
const ALLOWED = new Set([
  "create",
  "createMany",
  "createManyAndReturn",
  "findMany",
  "findFirst",
  "findFirstOrThrow",
  "findUnique",
  "findUniqueOrThrow",
  "count",
  "aggregate",
  "groupBy",
]);

/** The table in raw SQL: quoted or not, schema-qualified or not. */
const TABLE = String.raw`(?:["\x60]?\w+["\x60]?\.)?["\x60]?AuditEntry\b["\x60]?`;
const RAW_CHANGES: [string, RegExp][] = [
  ["UPDATE", new RegExp(String.raw`\bUPDATE\s+(?:OR\s+\w+\s+)?(?:ONLY\s+)?${TABLE}`, "i")],
  ["DELETE", new RegExp(String.raw`\bDELETE\s+FROM\s+(?:ONLY\s+)?${TABLE}`, "i")],
  ["TRUNCATE", new RegExp(String.raw`\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?${TABLE}`, "i")],
  ["REPLACE", new RegExp(String.raw`\b(?:INSERT\s+OR\s+)?REPLACE\s+INTO\s+${TABLE}`, "i")],
  [
    "upsert",
    new RegExp(String.raw`\bINSERT\s+INTO\s+${TABLE}[^;]*?\bON\s+CONFLICT\b[^;]*?\bDO\s+UPDATE`, "i"),
  ],
];
const DROP = new RegExp(String.raw`\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?${TABLE}`, "i");

/** Every way `text` could change or remove audit rows, as short descriptions. */
function auditMutations(text: string, opts: { dropIsChange: boolean } = { dropIsChange: true }): string[] {
  const found: string[] = [];
  // Strict on purpose: aliasing the delegate (`const { auditEntry } = db`, `db["auditEntry"]`)
  // would hide what is called on it, so only a direct create or read call passes.
  for (const m of text.matchAll(/\bauditEntry\b(?:\s*\??\.\s*(\w+)\s*\()?/g)) {
    const method = m[1];
    if (!method || !ALLOWED.has(method))
      found.push(`auditEntry${method ? `.${method}(` : " used other than .create()/.find…()"}`);
  }
  const raw = opts.dropIsChange ? [...RAW_CHANGES, ["DROP TABLE", DROP] as [string, RegExp]] : RAW_CHANGES;
  for (const [name, re] of raw) if (re.test(text)) found.push(`raw SQL ${name} on AuditEntry`);
  return found;
}

describe("the append-only detector itself", () => {
  it.each([
    "await db.auditEntry.update({ where: { id }, data: { detail: '' } })",
    "await tx.auditEntry.updateMany({ data: { actor: 'x' } })",
    "await db.auditEntry.delete({ where: { id: 1 } })",
    "await db.auditEntry\n      .deleteMany({ where: { at: { lt: cutoff } } })",
    "await db.auditEntry.upsert({ where: { id: 1 }, create: row, update: row })",
    "await db.auditEntry.updateManyAndReturn({ data: {} })",
    "await db?.auditEntry?.delete({ where: { id } })",
    'await db["auditEntry"].delete({ where: { id } })',
    "const { auditEntry } = db; await auditEntry.deleteMany();",
    "const log = db.auditEntry; await log.deleteMany();",
    'await db.$executeRawUnsafe(`UPDATE "AuditEntry" SET "detail" = \'\'`)',
    'await db.$executeRaw`DELETE FROM "AuditEntry" WHERE "id" < 100`',
    "await db.$executeRawUnsafe('delete from AuditEntry')",
    'await tx.$executeRawUnsafe(`update "public"."AuditEntry" set actor = $1`, a)',
    'await db.$executeRawUnsafe(`TRUNCATE TABLE "AuditEntry"`)',
    'await db.$executeRawUnsafe(`DELETE FROM ONLY "AuditEntry"`)',
    "await db.$executeRawUnsafe(`INSERT OR REPLACE INTO \"AuditEntry\" (id, detail) VALUES (1, '')`)",
    "await db.$executeRawUnsafe(`INSERT INTO \"AuditEntry\" (id) VALUES (1)\n  ON CONFLICT (id) DO UPDATE SET detail = ''`)",
    'await db.$executeRawUnsafe(`DROP TABLE IF EXISTS "AuditEntry"`)',
  ])("catches %s", (code) => {
    expect(auditMutations(code)).not.toEqual([]);
  });

  it.each([
    "await db.auditEntry.create({ data })",
    "await tx.auditEntry.create({\n  data: { ...entry, at: now },\n})",
    "const rows = await db.auditEntry.findMany({ orderBy: { id: 'asc' } })",
    "await db.auditEntry.count()",
    "await db.resetRequest.update({ where: { id }, data })",
    'await db.$executeRawUnsafe(`UPDATE "ResetRequest" SET "state" = $1`)',
    'await db.$executeRawUnsafe(`DELETE FROM "Delivery" WHERE "requestId" = $1`)',
    'await db.$executeRawUnsafe(`DELETE FROM "AuditEntryArchive"`)',
    'await db.$queryRawUnsafe(`SELECT * FROM "AuditEntry" WHERE "at" >= $1`)',
    'await db.$executeRawUnsafe(`INSERT INTO "AuditEntry" ("actor") VALUES ($1)`)',
    'type Outcome = AuditEntry["outcome"];',
  ])("lets %s pass", (code) => {
    expect(auditMutations(code)).toEqual([]);
  });
});

describe("the audit log is append-only", () => {
  it("finds the sources that write the audit log", () => {
    const writes = /\bauditEntry\s*\.\s*create\s*\(|\bINSERT\s+INTO\s+"AuditEntry"/;
    const writers = sources.filter((f) => writes.test(readFileSync(f, "utf8")));
    expect(writers.map(rel)).toContain("src/adapters/db/write-sql.ts");
    expect(migrations.length).toBeGreaterThan(0);
    expect(schemas.length).toBeGreaterThanOrEqual(2);
  });

  it("no code path in src/ updates or deletes AuditEntry rows", () => {
    const offenders = sources.flatMap((f) =>
      auditMutations(readFileSync(f, "utf8")).map((m) => `${rel(f)}: ${m}`),
    );
    expect(offenders).toEqual([]);
  });

  // A SQLite table redefinition (copy, DROP, rename) keeps the rows, so DROP is not flagged here.
  it("no migration updates or deletes AuditEntry rows", () => {
    const offenders = migrations.flatMap((f) =>
      auditMutations(readFileSync(f, "utf8"), { dropIsChange: false }).map((m) => `${rel(f)}: ${m}`),
    );
    expect(offenders).toEqual([]);
  });

  it("no relation reaches AuditEntry, so no cascade or nested write can change its rows", () => {
    for (const file of schemas) {
      const text = readFileSync(file, "utf8");
      const model = /^model AuditEntry \{([\s\S]*?)^\}/m.exec(text)?.[1];
      expect(model, `${rel(file)} declares AuditEntry`).toBeDefined();
      expect(model, rel(file)).not.toMatch(/@relation/);
      const fieldsOfThatType = text.match(/^\s+\w+\s+AuditEntry(\[\])?\??(\s|$)/gm) ?? [];
      expect(fieldsOfThatType, rel(file)).toEqual([]);
    }
  });
});
