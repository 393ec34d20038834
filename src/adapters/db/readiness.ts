// Is the database ready for this build: does it answer, and does it hold every migration this
// build ships (prisma/<provider>/migrations)? /readyz asks (http/ops-routes.ts).
import { listMigrations } from "./migrate.ts";
import type { Database } from "./open-database.ts";

export const READY_TIMEOUT_MS = 2000;

/** Compares the migrations recorded in the database with those in prisma/<provider>/migrations. */
export async function checkReadiness(
  database: Database,
  shipped: { name: string; checksum: string }[] = listMigrations(database.kind),
  timeoutMs = READY_TIMEOUT_MS,
): Promise<DbReadiness> {
  let rows: { migration_name: string; checksum: string }[];
  let timer: NodeJS.Timeout | undefined;
  try {
    rows = await Promise.race([
      database.db.$queryRawUnsafe<{ migration_name: string; checksum: string }[]>(
        `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      ),
      new Promise<never>((_, fail) => {
        timer = setTimeout(
          () => fail(new Error(`the database did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    return { ready: false, reason: `database not reachable or not migrated: ${databaseError(err)}` };
  } finally {
    clearTimeout(timer);
  }
  const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  const missing = shipped.filter((m) => !applied.has(m.name)).map((m) => m.name);
  if (missing.length > 0) return { ready: false, reason: `migrations not applied: ${missing.join(", ")}` };
  const changed = shipped.filter((m) => applied.get(m.name) !== m.checksum).map((m) => m.name);
  if (changed.length > 0) {
    return { ready: false, reason: `migrations applied with a different checksum: ${changed.join(", ")}` };
  }
  // A newer build may have migrated the database already (a rolling upgrade): still ready.
  const names = new Set(shipped.map((m) => m.name));
  const unknownMigrations = [...applied.keys()].filter((n) => !names.has(n)).sort();
  return { ready: true, migrations: shipped.length, unknownMigrations };
}

/** The driver's own words, without Prisma's invocation preamble; never a connection string. */
function databaseError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const message = /Message: `([^`]*)`/.exec(text)?.[1] ?? text.trim().split("\n").pop() ?? text;
  return message.replace(/\b\w+:\/\/\S*/g, "[url]").slice(0, 300);
}

export type DbReadiness =
  | { ready: true; migrations: number; unknownMigrations: string[] }
  | { ready: false; reason: string };

/** The readiness check for one database, its shipped migrations read once. */
export function readinessOf(database: Database): () => Promise<DbReadiness> {
  const shipped = listMigrations(database.kind);
  return () => checkReadiness(database, shipped);
}
