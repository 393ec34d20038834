// A guarded write: one compare-and-set statement (the guard: an UPDATE, or an INSERT … ON CONFLICT
// DO NOTHING, naming at most one row by its key) and the rows inserted with it, only when the guard
// changed its row; all or nothing. The inserts are data, so each database runs them its own way:
// SQLite one statement after the other inside one synchronous transaction; PostgreSQL all of it as
// ONE statement (the guard and the inserts as data-modifying WITH queries), so a state change is one
// round trip to the server instead of BEGIN, the guard, each insert, a read and COMMIT.
import { Prisma } from "../../generated/postgresql/client.ts";

const GUARD = Symbol("a column of the guarded row");

/** A value taken from the row the guard changed (its id, its device id…). */
export interface FromGuard {
  [GUARD]: string;
}
export const fromGuard = (column: string): FromGuard => ({ [GUARD]: column });
const isFromGuard = (v: unknown): v is FromGuard => typeof v === "object" && v !== null && GUARD in v;

export interface Insert {
  table: string;
  values: [column: string, value: unknown][];
}

export interface GuardedWrite {
  /** Without RETURNING: the guarded row is returned by the write (RETURNING * is added). */
  guard: Prisma.Sql;
  /** Inserted in this order (a table's rows get ascending ids in it), only when the guard held. */
  rest?: Insert[];
}

const name = (identifier: string) => Prisma.raw(`"${identifier}"`);
const columnsOf = (i: Insert) => Prisma.join(i.values.map(([c]) => name(c)));

/** Thrown inside a transaction to roll it back when its guard matched more than one row. */
export class GuardMismatch extends Error {}

/** The one row a guard changed, or null; more than one rolls the write back (GuardMismatch). */
export function oneGuarded<T>(rows: T[]): T | null {
  if (rows.length > 1) throw new GuardMismatch(`a guarded write matched ${rows.length} rows`);
  return rows[0] ?? null;
}

export const returning = (w: GuardedWrite) => Prisma.sql`${w.guard} RETURNING *`;

/** One insert as its own statement, the guarded row's values taken from `row` (SQLite, Prisma). */
export function insertFor(i: Insert, row: Record<string, unknown>): Prisma.Sql {
  const values = i.values.map(([, v]) => (isFromGuard(v) ? row[v[GUARD]] : v));
  return Prisma.sql`INSERT INTO ${name(i.table)} (${columnsOf(i)}) VALUES (${Prisma.join(values)})`;
}

/**
 * PostgreSQL: `WITH g AS (guard RETURNING *), i0 AS (INSERT … SELECT … FROM g), … SELECT * FROM g`.
 * An insert selects from `g`, so it writes nothing when the guard changed no row. The order in
 * which PostgreSQL runs sibling WITH queries is not defined: consecutive inserts into one table
 * are one INSERT whose rows are sorted by their position, so their ids keep the order given.
 * Parameters in a SELECT list have no type of their own: each is cast to its column's kind.
 */
export function singleStatement(w: GuardedWrite): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`g AS (${returning(w)})`];
  groups(w.rest ?? []).forEach((group, n) => {
    const first = group[0] as Insert;
    const rows = group.map(
      (i, position) =>
        Prisma.sql`SELECT ${Prisma.join([...i.values.map(([column, v]) => Prisma.sql`${typed(v)} AS ${name(column)}`), Prisma.sql`${position}::integer AS "position"`])} FROM g`,
    );
    parts.push(
      Prisma.sql`${Prisma.raw(`i${n}`)} AS (INSERT INTO ${name(first.table)} (${columnsOf(first)}) SELECT ${columnsOf(first)} FROM (${Prisma.join(rows, " UNION ALL ")}) AS rows ORDER BY "position")`,
    );
  });
  return Prisma.sql`WITH ${Prisma.join(parts, ", ")} SELECT * FROM g`;
}

/** Consecutive inserts into the same table with the same columns, together. */
function groups(rest: Insert[]): Insert[][] {
  const out: Insert[][] = [];
  for (const i of rest) {
    const last = out.at(-1);
    const head = last?.[0];
    const same =
      head &&
      head.table === i.table &&
      head.values.map(([c]) => c).join() === i.values.map(([c]) => c).join();
    if (last && same) last.push(i);
    else out.push([i]);
  }
  return out;
}

function typed(v: unknown): Prisma.Sql {
  if (isFromGuard(v)) return Prisma.raw(`g."${v[GUARD]}"`);
  if (v instanceof Date) return Prisma.sql`${v}::timestamp(3)`;
  if (typeof v === "boolean") return Prisma.sql`${v}::boolean`;
  if (typeof v === "number") return Prisma.sql`${v}::integer`;
  return Prisma.sql`${v}::text`;
}
