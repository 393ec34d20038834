// The hot reads and single-statement writes (raw-sql.ts), run by the database driver itself
// instead of through Prisma. Even a $queryRaw or $executeRaw costs about 0.25 ms of CPU in Prisma's
// JS engine; the same statement prepared in better-sqlite3 costs a few microseconds, and a
// node-postgres query a fraction (bench/results.md). Transactions stay with Prisma; a statement
// that must be part of one runs on the transaction's client (prismaReads(tx)).
//
// Embedded SQLite: prepared statements on Prisma's own connection (see sqliteReads).
// PostgreSQL: the same pool settings as Prisma's, its own connections (each statement sees what
// is committed, as Prisma's own statements outside a transaction do there).
// Rows come back as Prisma returns them: SQLite DATETIME columns as Date, BOOLEAN as boolean;
// PostgreSQL `timestamp(3)` (without time zone, written as UTC) as that UTC instant.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type Sqlite from "better-sqlite3";
import pg from "pg";
import type { Prisma } from "../../generated/postgresql/client.ts";
import type { Db } from "./open-database.ts";

export interface Reads {
  rows<T>(query: Prisma.Sql): Promise<T[]>;
  /** Runs one statement that returns no rows; resolves to the number of rows it changed. */
  run(query: Prisma.Sql): Promise<number>;
  close(): Promise<void>;
}

/** Through Prisma: a transaction's client, or a client opened without a driver of its own (tools). */
export function prismaReads(db: Pick<Db, "$queryRaw" | "$executeRaw">): Reads {
  return {
    rows: (query) => db.$queryRaw(query),
    run: (query) => db.$executeRaw(query),
    close: async () => {},
  };
}

type Convert = (value: unknown) => unknown;
const toDate: Convert = (v) => (v === null ? null : new Date(typeof v === "number" ? v : String(v)));
const toBool: Convert = (v) => (v === null ? null : v === 1 || v === 1n || v === true);

/** A Date bound as Prisma's SQLite adapter writes it (ISO 8601, "+00:00"), so comparisons agree. */
function sqliteParam(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().replace("Z", "+00:00");
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}

/**
 * SQLite: on Prisma's own connection (`connection()` returns it). Not a second connection: Prisma
 * runs every statement on its one connection, an interactive transaction's and the rest alike, so
 * a statement sent while a transaction is open joins it uncommitted; a second connection would
 * not see it yet (a thread's lease taken, then its cursor read stale). Same connection, same view.
 */
export function sqliteReads(connection: () => Sqlite.Database): Reads {
  let conn: Sqlite.Database | null = null;
  const prepared = new Map<string, { stmt: Sqlite.Statement; convert: [string, Convert][] }>();
  function prepare(sql: string) {
    const current = connection();
    if (current !== conn) {
      conn = current;
      prepared.clear();
    }
    let hit = prepared.get(sql);
    if (!hit) {
      const stmt = current.prepare(sql);
      const convert: [string, Convert][] = [];
      // Prisma's connection returns integers as BigInt; the models' Int columns are numbers.
      if (stmt.reader) stmt.safeIntegers(false);
      for (const c of stmt.reader ? stmt.columns() : []) {
        const type = (c.type ?? "").toUpperCase();
        if (type === "DATETIME") convert.push([c.name, toDate]);
        else if (type === "BOOLEAN") convert.push([c.name, toBool]);
      }
      hit = { stmt, convert };
      prepared.set(sql, hit);
    }
    return hit;
  }
  return {
    async rows<T>(query: Prisma.Sql): Promise<T[]> {
      const { stmt, convert } = prepare(query.sql);
      const rows = stmt.all(...query.values.map(sqliteParam)) as Record<string, unknown>[];
      if (convert.length) for (const row of rows) for (const [name, f] of convert) row[name] = f(row[name]);
      return rows as T[];
    },
    async run(query: Prisma.Sql): Promise<number> {
      return prepare(query.sql).stmt.run(...query.values.map(sqliteParam)).changes;
    },
    // The connection is Prisma's: closed by $disconnect.
    close: async () => {
      prepared.clear();
    },
  };
}

/** Prisma's SQLite adapter, keeping hold of the connection it opens (for sqliteReads). */
export class SqliteAdapterWithConnection extends PrismaBetterSQLite3 {
  connection: Sqlite.Database | null = null;
  override async connect() {
    const adapter = await super.connect();
    // The adapter's `client` field (pinned @prisma/adapter-better-sqlite3 6.19.3): checked, so an
    // upgrade that renames it fails here, at start-up, not at the first read.
    const client = (adapter as unknown as { client?: Sqlite.Database }).client;
    if (!client || typeof client.prepare !== "function")
      throw new Error("@prisma/adapter-better-sqlite3 no longer exposes its connection: see direct-reads.ts");
    this.connection = client;
    return adapter;
  }
}

const TIMESTAMP = 1114; // timestamp without time zone: Prisma writes UTC
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMP) return (s: string) => new Date(`${s.replace(" ", "T")}Z`);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** A Date bound as the UTC wall-clock time Prisma stores in `timestamp(3)`. */
const pgParam = (v: unknown) => (v instanceof Date ? v.toISOString().replace("Z", "") : v);

export function postgresReads(config: pg.PoolConfig): Reads {
  const pool = new pg.Pool({ ...config, types });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return {
    async rows<T>(query: Prisma.Sql): Promise<T[]> {
      const res = await pool.query({ text: query.text, values: query.values.map(pgParam) });
      return res.rows as T[];
    },
    async run(query: Prisma.Sql): Promise<number> {
      const res = await pool.query({ text: query.text, values: query.values.map(pgParam) });
      return res.rowCount ?? 0;
    },
    close: () => pool.end(),
  };
}
