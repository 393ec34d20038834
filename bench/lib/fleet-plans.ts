// Query plans of the SQL the measured core functions send: recorded from Prisma's query log while
// each operation runs, then explained on the full database (EXPLAIN QUERY PLAN on SQLite, EXPLAIN
// on PostgreSQL, with the parameters the query was sent with). A plan that reads a whole table
// (SQLite "SCAN t", PostgreSQL "Seq Scan" or an index walked without a condition) is flagged.
import type { FleetDb, LoggedQuery } from "./fleet-db.ts";
import { median } from "./stats.ts";

export type Phase = "empty" | "full";

export interface CapturedQuery {
  sql: string;
  params: unknown[];
  /** Operations that sent it, and how often (full history). */
  ops: Map<string, number>;
  /** Each call's duration as Prisma's query log reports it, by phase. */
  ms: Record<Phase, number[]>;
}

export interface PlanRow {
  ops: string[];
  calls: number;
  table: string;
  kind: string;
  sql: string;
  plan: string[];
  usesIndex: boolean;
  /** Median duration of the statement with the empty and with the full history. */
  msEmpty: number;
  msFull: number;
  /** PostgreSQL only (EXPLAIN ANALYZE, rolled back): rows the scans read, filtered out included. */
  rowsRead: number | null;
}

export class QueryRecorder {
  readonly queries = new Map<string, CapturedQuery>();
  constructor(private readonly target: FleetDb) {}

  /** Records what `fn` sends, under the operation `op`. */
  async record<T>(op: string, phase: Phase, fn: () => Promise<T>): Promise<T> {
    this.target.onQuery = (q: LoggedQuery) => {
      if (!/^\s*(SELECT|UPDATE|DELETE|INSERT)\b/i.test(q.sql)) return;
      let seen = this.queries.get(q.sql);
      if (!seen) {
        seen = { sql: q.sql, params: q.params, ops: new Map(), ms: { empty: [], full: [] } };
        this.queries.set(q.sql, seen);
      }
      if (phase === "full") {
        // The parameters of a call on the full history are the ones explained.
        if (seen.ms.full.length === 0) seen.params = q.params;
        seen.ops.set(op, (seen.ops.get(op) ?? 0) + 1);
      }
      seen.ms[phase].push(q.durationMs);
    };
    try {
      return await fn();
    } finally {
      this.target.onQuery = null;
    }
  }
}

/** The table a statement reads or writes, for the report. */
function tableOf(sql: string): string {
  const m = /\b(?:FROM|UPDATE|INTO)\s+(?:[`"][^`"]+[`"]\.)?[`"]([^`"]+)[`"]/i.exec(sql);
  return m?.[1] ?? "?";
}

function verbOf(sql: string): string {
  return (/^\s*(\w+)/.exec(sql)?.[1] ?? "?").toUpperCase();
}

/** Plan lines that read a whole table. */
export function scans(kind: FleetDb["kind"], plan: string[]): string[] {
  if (kind === "sqlite") {
    // "SCAN t" reads every row; "SCAN t USING INDEX i" walks a whole index (e.g. for ORDER BY).
    return plan.filter((l) => /\bSCAN\b/.test(l) && !/\bSCAN CONSTANT ROW\b/.test(l));
  }
  const bad: string[] = [];
  plan.forEach((line, i) => {
    if (/Seq Scan/.test(line)) bad.push(line.trim());
    if (/Index (Only )?Scan/.test(line)) {
      // The node's own detail lines follow it, more indented; an index walked with no condition.
      const indent = line.search(/\S/);
      const detail: string[] = [];
      for (const next of plan.slice(i + 1)) {
        if (next.search(/\S/) <= indent || /->/.test(next)) break;
        detail.push(next);
      }
      if (!detail.some((d) => /Index Cond/.test(d))) bad.push(line.trim());
    }
  });
  return bad;
}

export async function explainAll(target: FleetDb, recorded: QueryRecorder): Promise<PlanRow[]> {
  const rows: PlanRow[] = [];
  for (const q of recorded.queries.values()) {
    const verb = verbOf(q.sql);
    if (q.ms.full.length === 0) continue;
    const ops = [...q.ops.keys()];
    const calls = [...q.ops.values()].reduce((a, b) => a + b, 0);
    const base = { ops, calls, table: tableOf(q.sql), kind: verb, sql: q.sql };
    const timing = { msEmpty: median(q.ms.empty), msFull: median(q.ms.full) };
    if (verb === "INSERT" && !/\bSELECT\b/i.test(q.sql.replace(/RETURNING[\s\S]*$/i, ""))) {
      rows.push({ ...base, ...timing, plan: [], usesIndex: true, rowsRead: null });
      continue;
    }
    const plan = await explain(target, q);
    rows.push({
      ...base,
      ...timing,
      plan,
      usesIndex: scans(target.kind, plan).length === 0,
      rowsRead: target.kind === "postgresql" ? await rowsRead(target, q) : null,
    });
  }
  return rows.sort((a, b) => a.ops[0]?.localeCompare(b.ops[0] ?? "") || a.table.localeCompare(b.table));
}

async function explain(target: FleetDb, q: CapturedQuery): Promise<string[]> {
  if (target.kind === "sqlite") {
    const rows = await target.db.$queryRawUnsafe<{ id: unknown; parent: unknown; detail: string }[]>(
      `EXPLAIN QUERY PLAN ${q.sql}`,
      ...q.params,
    );
    // Indent by depth, as the sqlite3 shell shows it.
    const depth = new Map<number, number>();
    return rows.map((r) => {
      const level = (depth.get(Number(r.parent)) ?? -1) + 1;
      depth.set(Number(r.id), level);
      return `${"  ".repeat(level)}${r.detail}`;
    });
  }
  // EXPLAIN (not ANALYZE) of an UPDATE or DELETE plans it without running it.
  const rows = await target.db.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
    `EXPLAIN (COSTS OFF) ${q.sql}`,
    ...q.params,
  );
  return rows.map((r) => r["QUERY PLAN"]);
}

class RolledBack extends Error {}

/** Runs the statement under EXPLAIN ANALYZE in a transaction that is rolled back; sums what its scans read. */
async function rowsRead(target: FleetDb, q: CapturedQuery): Promise<number> {
  let lines: string[] = [];
  try {
    await target.db.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
        `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${q.sql}`,
        ...q.params,
      );
      lines = rows.map((r) => r["QUERY PLAN"]);
      throw new RolledBack();
    });
  } catch (err) {
    if (!(err instanceof RolledBack)) throw err;
  }
  let read = 0;
  for (const line of lines) {
    const scan = /(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan).*actual rows=(\d+) loops=(\d+)/.exec(
      line,
    );
    if (scan) read += Number(scan[2]) * Number(scan[3]);
    const removed = /Rows Removed by (?:Filter|Index Recheck): (\d+)/.exec(line);
    if (removed) read += Number(removed[1]);
  }
  return read;
}

/** SQL shortened for a table cell: the column lists of SELECT and RETURNING are dropped. */
export function shortSql(sql: string): string {
  return sql
    .replace(/`main`\.|"[a-z0-9_]+"\.(?="[A-Z])/g, "")
    .replace(/^SELECT\s[\s\S]*?\sFROM\s/i, "SELECT … FROM ")
    .replace(/\sRETURNING\s[\s\S]*$/i, " RETURNING …")
    .replace(/^INSERT INTO (\S+) \([^)]*\) VALUES \([^)]*\)/i, "INSERT INTO $1 (…) VALUES (…)")
    .replace(/`/g, '"')
    .replace(/\s+/g, " ")
    .trim();
}
