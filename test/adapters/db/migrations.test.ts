// Start-up migrations on each real database: applied once, recorded the way `prisma migrate
// status` reads them, refused when a migration was edited after it ran. And the two schemas and
// their committed migrations never drift apart.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs build script without type declarations; the test only calls sqliteSchemaFrom.
import { sqliteSchemaFrom } from "../../../scripts/db-generate.mjs";
import { splitStatements } from "../../../src/adapters/db/migrate.ts";
import { type Database, type DbKind, openDatabase } from "../../../src/adapters/db/open-database.ts";
import { PrismaClient as SqliteClient } from "../../../src/generated/sqlite/client.ts";
import { type DbTarget, dbTargets, PG_URL } from "../../support/databases.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const TABLES = [
  "AuditEntry",
  "ChatContact",
  "ChatThread",
  "Delivery",
  "Device",
  "JobRun",
  "PasscodeHistory",
  "Person",
  "ResetRequest",
  "TimelineEvent",
];
const targets = await dbTargets();

function committedMigrations(kind: "sqlite" | "postgresql"): { name: string; sql: string }[] {
  const dir = join(ROOT, "prisma", kind, "migrations");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name, "migration.sql"), "utf8") }));
}

/** The PostgreSQL test databases are schemas: Prisma qualifies model queries, raw SQL must too. */
function pgSchema(url: string): string {
  return new URL(url).searchParams.get("schema") ?? "public";
}

function migrationsTable(database: Database, url: string): string {
  return database.kind === "sqlite" ? `"_prisma_migrations"` : `"${pgSchema(url)}"."_prisma_migrations"`;
}

async function tableNames(database: Database, url: string): Promise<string[]> {
  const rows =
    database.kind === "sqlite"
      ? await database.db.$queryRawUnsafe<{ name: string }[]>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
      : await database.db.$queryRawUnsafe<{ name: string }[]>(
          "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = $1",
          pgSchema(url),
        );
  return rows.map((r) => r.name).sort();
}

describe.each(targets)("migrations on $name", (target) => {
  const migrations = committedMigrations(target.name);
  let url: string;
  let drop: () => Promise<void>;
  const open: Database[] = [];
  const openDb = async () => {
    const database = await openDatabase(url);
    open.push(database);
    return database;
  };

  beforeEach(async () => {
    const db = await target.fresh();
    url = db.url;
    drop = db.drop;
  });
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    await drop();
  });

  it("applies every migration to a fresh database and creates the tables", async () => {
    expect(migrations.length).toBeGreaterThan(0);
    const database = await openDb();
    expect(database.kind).toBe(target.name);
    expect(database.migrations).toEqual({ applied: migrations.map((m) => m.name), total: migrations.length });
    expect(await tableNames(database, url)).toEqual([...TABLES, "_prisma_migrations"].sort());
    const { db } = database;
    const counts = await Promise.all([
      db.person.count(),
      db.device.count(),
      db.resetRequest.count(),
      db.timelineEvent.count(),
      db.auditEntry.count(),
      db.delivery.count(),
      db.passcodeHistory.count(),
      db.jobRun.count(),
      db.chatThread.count(),
      db.chatContact.count(),
    ]);
    expect(counts).toEqual(TABLES.map(() => 0));
  });

  it("applies nothing the second time", async () => {
    const first = await openDb();
    await first.close();
    open.splice(0);
    const second = await openDb();
    expect(second.migrations).toEqual({ applied: [], total: migrations.length });
  });

  it("records one finished row per migration with the SHA-256 of its migration.sql", async () => {
    const database = await openDb();
    const rows = await database.db.$queryRawUnsafe<
      {
        migration_name: string;
        checksum: string;
        finished_at: unknown;
        rolled_back_at: unknown;
        applied_steps_count: unknown;
      }[]
    >(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM ${migrationsTable(database, url)} ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    rows.forEach((row, i) => {
      const sql = migrations[i]?.sql ?? "";
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    });
  });

  it("refuses to start when an applied migration was changed afterwards", async () => {
    const first = await openDb();
    const name = migrations[0]?.name ?? "";
    const changed = await first.db.$executeRawUnsafe(
      `UPDATE ${migrationsTable(first, url)} SET checksum = '${"0".repeat(64)}' WHERE migration_name = '${name}'`,
    );
    expect(changed).toBe(1);
    await first.close();
    open.splice(0);
    await expect(openDb()).rejects.toThrow(`Migration ${name} was changed after it was applied`);
  });
});

describe("splitStatements", () => {
  it("splits on semicolons at line ends and drops comment lines", () => {
    const sql = [
      "-- CreateTable",
      'CREATE TABLE "A" (',
      '    "id" TEXT NOT NULL, -- trailing comments stay on their line',
      "    \"note\" TEXT DEFAULT 'a;b'",
      ");",
      "",
      "-- CreateIndex",
      "  -- indented comment",
      'CREATE INDEX "A_id_idx" ON "A"("id");',
      "-- a comment alone at the end",
      "",
    ].join("\n");
    expect(splitStatements(sql)).toEqual([
      'CREATE TABLE "A" (\n    "id" TEXT NOT NULL, -- trailing comments stay on their line\n    "note" TEXT DEFAULT \'a;b\'\n)',
      'CREATE INDEX "A_id_idx" ON "A"("id")',
    ]);
  });

  it("handles CRLF line ends and a last statement without a semicolon", () => {
    expect(splitStatements("SELECT 1;\r\nSELECT 2")).toEqual(["SELECT 1", "SELECT 2"]);
    expect(splitStatements("-- only a comment\n")).toEqual([]);
  });
});

describe("schemas and migrations stay in sync", () => {
  it("the committed SQLite schema is the one generated from the PostgreSQL schema", () => {
    const postgresql = readFileSync(join(ROOT, "prisma/postgresql/schema.prisma"), "utf8");
    const sqlite = readFileSync(join(ROOT, "prisma/sqlite/schema.prisma"), "utf8");
    expect(sqliteSchemaFrom(postgresql)).toBe(sqlite);
  });

  // Drift check: a database migrated by the app's own migrator must have the same catalog
  // (tables, columns, indexes, constraints) as a database built from schema.prisma alone.
  // Prisma's own checks are out of reach here: `migrate diff --from-migrations` and
  // `--from-schema-datasource` are refused when the Prisma config defines an adapter (and
  // `--from-migrations` would replay each migration.sql as one multi-statement executeRaw that
  // better-sqlite3 rejects, P3006). Comparing SQL text only works while there is one migration,
  // as ALTER migrations write different SQL for the same result. So database B is built from
  // `migrate diff --from-empty --to-schema-datamodel --script` (needs no shadow database),
  // applied statement by statement like the migrator does, and both catalogs are compared.
  // Column order is not compared: ALTER TABLE ADD COLUMN appends, and Prisma never relies on it.
  const kinds = targets.map((t) => t.name);
  const probeDir = mkdtempSync(join(tmpdir(), "latchkey-drift-"));
  const scripts = new Map<string, Promise<string>>();
  /** The from-empty SQL for the committed schema, or for it plus one column the migrations lack. */
  const schemaSql = (kind: DbKind, probe: boolean): Promise<string> => {
    const key = `${kind}:${probe}`;
    let sql = scripts.get(key);
    if (!sql) {
      sql = fromEmpty(
        kind,
        probe ? probeSchema(kind, probeDir) : join(ROOT, "prisma", kind, "schema.prisma"),
        {
          sqliteDir: probeDir,
        },
      );
      sql.catch(() => {}); // awaited (and reported) by the test that needs it
      scripts.set(key, sql);
    }
    return sql;
  };

  // The CLI takes ~1 s for SQLite and ~11 s for PostgreSQL (its pg pool lingers): start them all.
  beforeAll(() => {
    for (const kind of kinds) for (const probe of [false, true]) void schemaSql(kind, probe);
  });
  afterAll(async () => {
    await Promise.allSettled(scripts.values());
    rmSync(probeDir, { recursive: true, force: true });
  });

  describe.each(targets)("on $name", (target) => {
    let migrated: Catalog;
    beforeAll(async () => {
      migrated = await migratedCatalog(target);
    });

    it("a database built from schema.prisma alone matches the migrated one (no drift)", async () => {
      const fromSchema = await builtCatalog(target, await schemaSql(target.name, false));
      // An empty or half-read catalog must not pass: every model is there, with its columns.
      for (const catalog of [migrated, fromSchema]) {
        expect(tablesOf(catalog)).toEqual(TABLES);
        expect(Object.keys(catalog)).toEqual(
          expect.arrayContaining(["ChatThread.syncedEventId", "Delivery.redactAt", "ResetRequest.id"]),
        );
      }
      expect(catalogDiff(migrated, fromSchema)).toEqual([]);
      expect(fromSchema).toEqual(migrated);
    });

    it("reports a column the schema has and the migrations lack", async () => {
      const withProbe = await builtCatalog(target, await schemaSql(target.name, true));
      expect(catalogDiff(migrated, withProbe)).toEqual([
        expect.stringMatching(/^JobRun\.driftProbe: only in the schema \(text NULL\)$/i),
      ]);
    });
  });
});

// --- Catalog comparison -------------------------------------------------------------------------

/** A flat, readable catalog: "Table" -> "table", "Table.column" -> type etc., "Table index X" -> def. */
type Catalog = Record<string, string>;

const execFileP = promisify(execFile);

/** `prisma migrate diff --from-empty` for a schema file, with the repository's CLI config. */
async function fromEmpty(kind: DbKind, schemaFile: string, opts: { sqliteDir: string }): Promise<string> {
  // The CLI connects through the config's adapter even for --from-empty: SQLite gets a scratch file.
  const databaseUrl = kind === "sqlite" ? `file:${join(opts.sqliteDir, `${kind}-cli.db`)}` : PG_URL;
  const { stdout } = await execFileP(
    "npx",
    [
      "prisma",
      "migrate",
      "diff",
      "--config",
      `prisma/${kind}/prisma.config.ts`,
      "--from-empty",
      "--to-schema-datamodel",
      schemaFile,
      "--script",
    ],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" } },
  );
  return stdout
    .split(/\r?\n/)
    .filter((line) => !line.startsWith("Loaded Prisma config"))
    .join("\n");
}

/** A copy of prisma/<kind>/schema.prisma with one extra optional column on JobRun. */
function probeSchema(kind: DbKind, dir: string): string {
  const schema = readFileSync(join(ROOT, "prisma", kind, "schema.prisma"), "utf8");
  const probe = schema.replace(/^model JobRun \{\r?\n/m, (open) => `${open}  driftProbe String?\n`);
  if (probe === schema) throw new Error(`model JobRun not found in prisma/${kind}/schema.prisma`);
  const file = join(dir, `${kind}-probe.prisma`);
  writeFileSync(file, probe);
  return file;
}

/** Database A: a fresh database migrated by the app's own start-up migrator. */
async function migratedCatalog(target: DbTarget): Promise<Catalog> {
  const { url, drop } = await target.fresh();
  try {
    const database = await openDatabase(url);
    await database.close();
    return await readCatalog(target.name, url);
  } finally {
    await drop();
  }
}

/** Database B: a fresh database with the statements of `sql` applied one by one. */
async function builtCatalog(target: DbTarget, sql: string): Promise<Catalog> {
  const statements = splitStatements(sql);
  expect(statements.length).toBeGreaterThan(TABLES.length);
  const { url, drop } = await target.fresh();
  try {
    if (target.name === "sqlite") {
      await withSqlite(url, async (db) => {
        for (const statement of statements) await db.$executeRawUnsafe(statement);
      });
    } else {
      await withPg(async (client) => {
        const schema = quoteIdent(pgSchema(url));
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`SET search_path TO ${schema}`);
        for (const statement of statements) await client.query(statement);
      });
    }
    return await readCatalog(target.name, url);
  } finally {
    await drop();
  }
}

function readCatalog(kind: DbKind, url: string): Promise<Catalog> {
  return kind === "sqlite"
    ? withSqlite(url, sqliteCatalog)
    : withPg((client) => pgCatalog(client, pgSchema(url)));
}

async function withSqlite<T>(url: string, fn: (db: SqliteClient) => Promise<T>): Promise<T> {
  const db = new SqliteClient({ adapter: new PrismaBetterSQLite3({ url }) });
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

async function withPg<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;
const nullability = (notNull: boolean) => (notNull ? "NOT NULL" : "NULL");
const withDefault = (value: unknown) => (value == null ? "" : ` DEFAULT ${String(value)}`);

async function sqliteCatalog(db: SqliteClient): Promise<Catalog> {
  const catalog: Catalog = {};
  const query = <T>(sql: string) => db.$queryRawUnsafe<T[]>(sql);
  const tables = await query<{ name: string; sql: string }>(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'",
  );
  for (const { name: table, sql } of tables) {
    const t = quoteLiteral(table);
    catalog[table] = /\bAUTOINCREMENT\b/i.test(sql) ? "table AUTOINCREMENT" : "table";
    const columns = await query<{
      name: string;
      type: string;
      notnull: unknown;
      dflt_value: unknown;
      pk: unknown;
    }>(`SELECT name, type, "notnull" AS "notnull", dflt_value, pk FROM pragma_table_info(${t})`);
    for (const c of columns) {
      const pk = Number(c.pk) > 0 ? ` PRIMARY KEY(${Number(c.pk)})` : "";
      catalog[`${table}.${c.name}`] =
        `${c.type} ${nullability(Number(c.notnull) === 1)}${withDefault(c.dflt_value)}${pk}`;
    }
    const indexes = await query<{ name: string; unique: unknown; origin: string; partial: unknown }>(
      `SELECT name, "unique" AS "unique", origin, partial FROM pragma_index_list(${t})`,
    );
    for (const index of indexes) {
      const cols = await query<{ name: string | null }>(
        `SELECT name FROM pragma_index_info(${quoteLiteral(index.name)}) ORDER BY seqno`,
      );
      const kind = `${Number(index.unique) === 1 ? "UNIQUE " : ""}${Number(index.partial) === 1 ? "PARTIAL " : ""}INDEX`;
      catalog[`${table} index ${index.name}`] =
        `${kind} (${cols.map((c) => c.name ?? "<expr>").join(", ")}) origin=${index.origin}`;
    }
    const fks = await query<{
      id: unknown;
      table: string;
      from: string;
      to: string;
      on_update: string;
      on_delete: string;
      match: string;
    }>(
      `SELECT id, "table" AS "table", "from" AS "from", "to" AS "to", on_update, on_delete, "match" AS "match" FROM pragma_foreign_key_list(${t}) ORDER BY id, seq`,
    );
    for (const id of new Set(fks.map((fk) => Number(fk.id)))) {
      const parts = fks.filter((fk) => Number(fk.id) === id);
      const first = parts[0];
      if (!first) continue;
      catalog[`${table} foreign key (${parts.map((p) => p.from).join(", ")})`] =
        `REFERENCES ${first.table}(${parts.map((p) => p.to).join(", ")}) ON DELETE ${first.on_delete} ON UPDATE ${first.on_update} MATCH ${first.match}`;
    }
  }
  return sorted(catalog);
}

async function pgCatalog(client: pg.Client, schema: string): Promise<Catalog> {
  // Definitions name the schema where it is not on the search path: take it out of the text.
  const escaped = schema.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const unqualified = (def: string) => def.replace(new RegExp(`(?:"${escaped}"|\\b${escaped})\\.`, "g"), "");
  const catalog: Catalog = {};
  const tables = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'`,
    [schema],
  );
  for (const { name } of tables.rows) catalog[name] = "table";
  const columns = await client.query<{
    table: string;
    name: string;
    type: string;
    notnull: boolean;
    def: string | null;
  }>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'
       AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema],
  );
  for (const c of columns.rows) {
    catalog[`${c.table}.${c.name}`] =
      `${c.type} ${nullability(c.notnull)}${withDefault(c.def === null ? null : unqualified(c.def))}`;
  }
  const indexes = await client.query<{ table: string; name: string; def: string }>(
    `SELECT tablename AS table, indexname AS name, indexdef AS def FROM pg_indexes
     WHERE schemaname = $1 AND tablename <> '_prisma_migrations'`,
    [schema],
  );
  for (const i of indexes.rows) catalog[`${i.table} index ${i.name}`] = unqualified(i.def);
  const constraints = await client.query<{ table: string; name: string; def: string }>(
    `SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS def
     FROM pg_constraint k
     JOIN pg_class c ON c.oid = k.conrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname <> '_prisma_migrations'`,
    [schema],
  );
  for (const k of constraints.rows) catalog[`${k.table} constraint ${k.name}`] = unqualified(k.def);
  return sorted(catalog);
}

function sorted(catalog: Catalog): Catalog {
  return Object.fromEntries(Object.entries(catalog).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function tablesOf(catalog: Catalog): string[] {
  return Object.keys(catalog)
    .filter((key) => !/[. ]/.test(key))
    .sort();
}

/** One line per difference, e.g. `Delivery.redactAt: only in the schema (DATETIME NULL)`. */
function catalogDiff(migrated: Catalog, fromSchema: Catalog): string[] {
  const keys = [...new Set([...Object.keys(migrated), ...Object.keys(fromSchema)])].sort();
  const lines: string[] = [];
  for (const key of keys) {
    const m = migrated[key];
    const s = fromSchema[key];
    if (m === s) continue;
    if (m === undefined) lines.push(`${key}: only in the schema (${s})`);
    else if (s === undefined) lines.push(`${key}: only in the migrations (${m})`);
    else lines.push(`${key}: migrations have ${m}, the schema has ${s}`);
  }
  return lines;
}
