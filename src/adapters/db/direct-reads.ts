// The hot reads and single-statement writes (raw-sql.ts), run by the database driver itself
// instead of through Prisma. Even a $queryRaw or $executeRaw costs about 0.25 ms of CPU in Prisma's
// JS engine; the same statement prepared in better-sqlite3 costs a few microseconds, and a
// node-postgres query a fraction (bench/results.md). Prisma keeps the migrations, the inventory
// import, the operators' listings and the rarely used writes.
//
// Embedded SQLite: prepared statements on Prisma's own connection (see sqliteReads).
// PostgreSQL: the same pool settings as Prisma's, its own connections (each statement sees what
// is committed, as Prisma's own statements outside a transaction do there).
// Guarded writes (`atomic`: a compare-and-set and what goes with it, guarded-write.ts) run on the
// driver too: on SQLite synchronously, in one turn of the event loop, so no other statement can
// join them; on PostgreSQL as one statement.
// Rows come back as Prisma returns them: SQLite DATETIME columns as Date, BOOLEAN as boolean;
// PostgreSQL `timestamp(3)` (without time zone, written as UTC) as that UTC instant.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type Sqlite from "better-sqlite3";
import pg from "pg";
import type { Prisma } from "../../generated/postgresql/client.ts";
import { createGroupCommit } from "./group-commit.ts";
import { type GuardedWrite, insertFor, returning, singleStatement } from "./guarded-write.ts";
import type { Db } from "./open-database.ts";

export interface Reads {
  rows<T>(query: Prisma.Sql): Promise<T[]>;
  /** Runs one statement that returns no rows; resolves to the number of rows it changed. */
  run(query: Prisma.Sql): Promise<number>;
  /**
   * A guarded write (guarded-write.ts), one transaction: the row the guard changed, after the
   * write; null, with nothing written, when the guard changed no row.
   */
  atomic<T>(write: GuardedWrite): Promise<T | null>;
  close(): Promise<void>;
}

/** Thrown inside a transaction to roll it back when its guard matched more than one row. */
class GuardMismatch extends Error {}

function one<T>(rows: T[]): T | null {
  if (rows.length > 1) throw new GuardMismatch(`a guarded write matched ${rows.length} rows`);
  return rows[0] ?? null;
}

/** Through Prisma: a client opened without a driver of its own (tools, the fleet benchmark's plans). */
export function prismaReads(db: Pick<Db, "$queryRaw" | "$executeRaw" | "$transaction">): Reads {
  return {
    rows: (query) => db.$queryRaw(query),
    run: (query) => db.$executeRaw(query),
    atomic: <T>(w: GuardedWrite) =>
      db
        .$transaction(async (tx) => {
          const row = one(await tx.$queryRaw<Record<string, unknown>[]>(returning(w)));
          if (!row) return null;
          for (const i of w.rest ?? []) await tx.$executeRaw(insertFor(i, row));
          return row as T;
        })
        .catch((err: unknown) => {
          if (err instanceof GuardMismatch) return null;
          throw err;
        }),
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
  function select<T>(query: Prisma.Sql): T[] {
    const { stmt, convert } = prepare(query.sql);
    const rows = stmt.all(...query.values.map(sqliteParam)) as Record<string, unknown>[];
    if (convert.length) for (const row of rows) for (const [name, f] of convert) row[name] = f(row[name]);
    return rows as T[];
  }
  const exec = (query: Prisma.Sql) => prepare(query.sql).stmt.run(...query.values.map(sqliteParam)).changes;
  /**
   * A write waits while one of Prisma's interactive transactions is open on the connection (an
   * inventory import): sent now, it would join that transaction and be lost if it rolled back.
   */
  async function outsidePrismaTransaction(): Promise<void> {
    while (connection().inTransaction) await new Promise((r) => setImmediate(r));
  }
  const commits = createGroupCommit(connection, exec);
  return {
    async rows<T>(query: Prisma.Sql): Promise<T[]> {
      return select<T>(query);
    },
    run: commits.run,
    async atomic<T>(w: GuardedWrite): Promise<T | null> {
      await outsidePrismaTransaction();
      // Synchronous from BEGIN to COMMIT: nothing else runs on the connection in between.
      const write = connection().transaction(() => {
        const row = one(select<Record<string, unknown>>(returning(w)));
        if (!row) return null;
        for (const i of w.rest ?? []) exec(insertFor(i, row));
        return row as T;
      });
      try {
        return write.immediate();
      } catch (err) {
        if (err instanceof GuardMismatch) return null;
        throw err;
      }
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
    async atomic<T>(w: GuardedWrite): Promise<T | null> {
      // One statement: atomic by itself, one round trip (guarded-write.ts). Its guard names one
      // row by its key, so it cannot change several.
      const query = singleStatement(w);
      const res = await pool.query({ text: query.text, values: query.values.map(pgParam) });
      return (res.rows[0] as T | undefined) ?? null;
    },
    close: () => pool.end(),
  };
}
