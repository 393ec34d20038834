// The driver connection: SQL run by the database driver itself (better-sqlite3, node-postgres)
// instead of through Prisma. Even a $queryRaw or $executeRaw costs about 0.25 ms of CPU in Prisma's
// JS engine; the same statement prepared in better-sqlite3 costs a few microseconds, and a
// node-postgres query a fraction (bench/results.md). It reads and writes: the stores that take it
// (stores.ts) reach the database through it alone. Prisma keeps the schema, the migrations and the
// stores that take the Prisma client (the inventory file import, job claims, chat contacts).
//
// Embedded SQLite: prepared statements on Prisma's own connection (see sqliteSql).
// PostgreSQL: the same pool settings as Prisma's, its own connections (each statement sees what
// is committed, as Prisma's own statements outside a transaction do there).
// Guarded writes (`atomic`: a compare-and-set and what goes with it, guarded-write.ts) and
// `transaction` (a batch of statements, all or nothing) run on the driver too: on SQLite
// synchronously, in one turn of the event loop, so no other statement can join them; on
// PostgreSQL a guarded write as one statement, a batch on one pooled client between BEGIN and COMMIT.
// Rows come back as Prisma returns them: SQLite DATETIME columns as Date, BOOLEAN as boolean;
// PostgreSQL `timestamp(3)` (without time zone, written as UTC) as that UTC instant.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type Sqlite from "better-sqlite3";
import pg from "pg";
import { Prisma } from "../../generated/postgresql/client.ts";
import { createGroupCommit } from "./group-commit.ts";
import {
  type GuardedWrite,
  GuardMismatch,
  insertFor,
  oneGuarded,
  returning,
  singleStatement,
} from "./guarded-write.ts";

/** One statement of a transaction; with `orFail`, it must change a row (else: Error(orFail)). */
export type Statement = Prisma.Sql | { query: Prisma.Sql; orFail: string };

/** Runs one statement of a transaction with `exec`, checking its `orFail`. */
export function runStatement(s: Statement, exec: (query: Prisma.Sql) => number): number;
export function runStatement(s: Statement, exec: (query: Prisma.Sql) => Promise<number>): Promise<number>;
export function runStatement(s: Statement, exec: (query: Prisma.Sql) => number | Promise<number>) {
  if (!("orFail" in s)) return exec(s);
  const check = (n: number) => {
    if (n === 0) throw new Error(s.orFail);
    return n;
  };
  const n = exec(s.query);
  return typeof n === "number" ? check(n) : n.then(check);
}

/** SQL statements, read and write, on one connection to the database. */
export interface DriverSql {
  rows<T>(query: Prisma.Sql): Promise<T[]>;
  /** Runs one statement that returns no rows; resolves to the number of rows it changed. */
  run(query: Prisma.Sql): Promise<number>;
  /**
   * A guarded write (guarded-write.ts), one transaction: the row the guard changed, after the
   * write; null, with nothing written, when the guard changed no row.
   */
  atomic<T>(write: GuardedWrite): Promise<T | null>;
  /**
   * Statements in one transaction, in order, all or nothing: the rows each changed. A statement
   * given with `orFail` that changes no row rolls the transaction back and throws that message.
   */
  transaction(statements: Statement[]): Promise<number[]>;
  /** Resolves when the database answers (liveness: `SELECT 1`). */
  ping(): Promise<void>;
  close(): Promise<void>;
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
export function sqliteSql(connection: () => Sqlite.Database): DriverSql {
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
        const row = oneGuarded(select<Record<string, unknown>>(returning(w)));
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
    async transaction(statements: Statement[]): Promise<number[]> {
      await outsidePrismaTransaction();
      // Prepared each time, not kept: a batch's statements (an MDM page's multi-row inserts) take
      // as many shapes as there are page sizes, and kept they would grow with the fleet.
      const once = (q: Prisma.Sql) =>
        connection()
          .prepare(q.sql)
          .run(...q.values.map(sqliteParam)).changes;
      return connection()
        .transaction(() => statements.map((s) => runStatement(s, once)))
        .immediate();
    },
    async ping(): Promise<void> {
      select(Prisma.sql`SELECT 1`);
    },
    // The connection is Prisma's: closed by $disconnect.
    close: async () => {
      prepared.clear();
    },
  };
}

/** Prisma's SQLite adapter, keeping hold of the connection it opens (for sqliteSql). */
export class SqliteAdapterWithConnection extends PrismaBetterSQLite3 {
  connection: Sqlite.Database | null = null;
  override async connect() {
    const adapter = await super.connect();
    // The adapter's `client` field (pinned @prisma/adapter-better-sqlite3 6.19.3): checked, so an
    // upgrade that renames it fails here, at start-up, not at the first read.
    const client = (adapter as unknown as { client?: Sqlite.Database }).client;
    if (!client || typeof client.prepare !== "function")
      throw new Error(
        "@prisma/adapter-better-sqlite3 no longer exposes its connection: see driver-connection.ts",
      );
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

const pgQuery = (query: Prisma.Sql) => ({ text: query.text, values: query.values.map(pgParam) });

export function postgresSql(config: pg.PoolConfig): DriverSql {
  const pool = new pg.Pool({ ...config, types });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return {
    async rows<T>(query: Prisma.Sql): Promise<T[]> {
      return (await pool.query(pgQuery(query))).rows as T[];
    },
    async run(query: Prisma.Sql): Promise<number> {
      return (await pool.query(pgQuery(query))).rowCount ?? 0;
    },
    async atomic<T>(w: GuardedWrite): Promise<T | null> {
      // One statement: atomic by itself, one round trip (guarded-write.ts). Its guard names one
      // row by its key, so it cannot change several.
      const res = await pool.query(pgQuery(singleStatement(w)));
      return (res.rows[0] as T | undefined) ?? null;
    },
    async transaction(statements: Statement[]): Promise<number[]> {
      const client = await pool.connect();
      const exec = async (query: Prisma.Sql) => (await client.query(pgQuery(query))).rowCount ?? 0;
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const changed: number[] = [];
        for (const s of statements) changed.push(await runStatement(s, exec));
        await client.query("COMMIT");
        return changed;
      } catch (err) {
        // A client that cannot roll back is dropped from the pool, not handed to the next query.
        await client.query("ROLLBACK").catch((e: Error) => {
          broken = e;
        });
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async ping(): Promise<void> {
      await pool.query("SELECT 1");
    },
    close: () => pool.end(),
  };
}
