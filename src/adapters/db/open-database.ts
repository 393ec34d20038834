// Opens the database named by DATABASE_URL: embedded SQLite (better-sqlite3) or PostgreSQL
// (node-postgres), each through its Prisma driver adapter, and applies pending migrations.
// Both generated clients expose the same model API (the SQLite schema is generated from the
// PostgreSQL one), so the stores are written once against the PostgreSQL client's types.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PgClient } from "../../generated/postgresql/client.ts";
import { PrismaClient as SqliteClient } from "../../generated/sqlite/client.ts";
import { applyMigrations, type MigrationReport } from "./migrate.ts";

export type Db = PgClient;
export type DbKind = "sqlite" | "postgresql";

export interface Database {
  db: Db;
  kind: DbKind;
  /** Where the data lives, for the start-up banner (no credentials). */
  location: string;
  migrations: MigrationReport;
  close(): Promise<void>;
}

export async function openDatabase(url: string): Promise<Database> {
  if (url.startsWith("file:")) return openSqlite(url);
  return openPostgres(url);
}

async function openSqlite(url: string): Promise<Database> {
  const file = resolve(url.slice("file:".length).split("?")[0] ?? "");
  mkdirSync(dirname(file), { recursive: true });
  const adapter = new PrismaBetterSQLite3({ url: `file:${file}` });
  const db = new SqliteClient({ adapter }) as unknown as Db;
  // WAL lets the CLI read and write while the server runs; the busy timeout makes writers queue.
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  await db.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  const migrations = await applyMigrations(db, "sqlite");
  return { db, kind: "sqlite", location: file, migrations, close: () => db.$disconnect() };
}

async function openPostgres(url: string): Promise<Database> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "public";
  parsed.searchParams.delete("schema");
  // The schema is also the connection's search path, so the few hand-written reads (raw-sql.ts)
  // name tables as the model queries do. In `options`, a space inside a value is escaped.
  const quoted = `"${schema.replace(/"/g, '""')}"`.replace(/[\\ ]/g, (c) => `\\${c}`);
  const searchPath = `-c search_path=${quoted}`;
  const adapter = new PrismaPg(
    { connectionString: parsed.toString(), max: 10, options: searchPath },
    { schema },
  );
  const db = new PgClient({ adapter });
  await db.$executeRawUnsafe(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '""')}"`);
  const migrations = await applyMigrations(db, "postgresql", schema);
  const location = `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname} (schema ${schema})`;
  return { db, kind: "postgresql", location, migrations, close: () => db.$disconnect() };
}
