// Opens the database named by DATABASE_URL: embedded SQLite (better-sqlite3) or PostgreSQL
// (node-postgres), each through its Prisma driver adapter, and applies pending migrations.
// Both generated clients expose the same model API (the SQLite schema is generated from the
// PostgreSQL one), so the stores are written once against the PostgreSQL client's types.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PgClient } from "../../generated/postgresql/client.ts";
import { PrismaClient as SqliteClient } from "../../generated/sqlite/client.ts";
import { privateDir, privateFile, tightenIfPresent } from "../../private-files.ts";
import { type DriverSql, postgresSql, SqliteAdapterWithConnection, sqliteSql } from "./driver-connection.ts";
import { applyMigrations, type MigrationReport } from "./migrate.ts";

export type Db = PgClient;
export type DbKind = "sqlite" | "postgresql";

export interface Database {
  /** Prisma's client: the migrations, and the stores that take it (stores.ts). */
  db: Db;
  /** The driver connection (driver-connection.ts): the stores' SQL, reads and writes. */
  sql: DriverSql;
  kind: DbKind;
  /** Where the data lives, for the start-up banner (no credentials). */
  location: string;
  migrations: MigrationReport;
  close(): Promise<void>;
}

/**
 * How long a transaction may wait for a connection (SQLite: for the one before it), and run. Prisma's
 * 2 s wait made a burst of resets fail to start on PostgreSQL ("Unable to start a transaction in
 * the given time": benchmark 3, 32 confirmations at once on a pool of 10); a start that waits a few
 * seconds more still answers the admin, a failed one does not.
 */
const TRANSACTIONS = { maxWait: 15_000, timeout: 15_000 };

export async function openDatabase(url: string): Promise<Database> {
  if (url.startsWith("file:")) return openSqlite(url);
  return openPostgres(url);
}

async function openSqlite(url: string): Promise<Database> {
  const file = resolve(url.slice("file:".length).split("?")[0] ?? "");
  // A folder made here is the database's own: owner only. One the operator named keeps its mode
  // (it may be shared); the database's files in it are owner only either way. SQLite gives the
  // -wal and -shm files the database file's mode, so it is created with that mode before SQLite
  // opens it, and files an older version left are tightened.
  if (!existsSync(dirname(file))) privateDir(dirname(file));
  privateFile(file);
  const companions = [`${file}-wal`, `${file}-shm`, `${file}-journal`];
  for (const f of companions) tightenIfPresent(f);
  const adapter = new SqliteAdapterWithConnection({ url: `file:${file}` });
  const db = new SqliteClient({ adapter, transactionOptions: TRANSACTIONS }) as unknown as Db;
  // WAL lets the CLI read and write while the server runs; the busy timeout makes writers queue.
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  await db.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  const migrations = await applyMigrations(db, "sqlite");
  for (const f of companions) tightenIfPresent(f); // made with the database file's mode; to be sure
  const sql = sqliteSql(() => {
    if (!adapter.connection) throw new Error("the SQLite connection is not open");
    return adapter.connection;
  });
  const close = async () => {
    await sql.close();
    await db.$disconnect();
  };
  return { db, sql, kind: "sqlite", location: file, migrations, close };
}

async function openPostgres(url: string): Promise<Database> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "public";
  parsed.searchParams.delete("schema");
  // The schema is also the connection's search path, so the stores' SQL (read-sql.ts, write-sql.ts,
  // the stores) names tables as the model queries do. In `options`, a space inside a value is escaped.
  const quoted = `"${schema.replace(/"/g, '""')}"`.replace(/[\\ ]/g, (c) => `\\${c}`);
  const searchPath = `-c search_path=${quoted}`;
  const pool = { connectionString: parsed.toString(), max: 10, options: searchPath };
  const adapter = new PrismaPg(pool, { schema });
  const db = new PgClient({ adapter, transactionOptions: TRANSACTIONS });
  await db.$executeRawUnsafe(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '""')}"`);
  const migrations = await applyMigrations(db, "postgresql", schema);
  const location = `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname} (schema ${schema})`;
  const sql = postgresSql(pool);
  const close = async () => {
    await sql.close();
    await db.$disconnect();
  };
  return { db, sql, kind: "postgresql", location, migrations, close };
}
