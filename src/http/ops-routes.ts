// Operations endpoints: /readyz (the database answers and holds every migration this build
// ships) and /metrics (Prometheus). /healthz (liveness) stays in compose.ts: it must not depend
// on the database, or an orchestrator would restart a process that only waits for it.

import { listMigrations } from "../adapters/db/migrate.ts";
import type { Database } from "../adapters/db/open-database.ts";
import type { Metrics } from "../adapters/metrics/metrics.ts";
import type { Logger } from "../core/ports.ts";
import type { Route } from "./router.ts";

export const READY_TIMEOUT_MS = 2000;

export type Readiness =
  | { ready: true; migrations: number; unknownMigrations: string[] }
  | { ready: false; reason: string };

/** Compares the migrations recorded in the database with those in prisma/<provider>/migrations. */
export async function checkReadiness(
  database: Database,
  shipped: { name: string; checksum: string }[] = listMigrations(database.kind),
  timeoutMs = READY_TIMEOUT_MS,
): Promise<Readiness> {
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
  return message.replace(/\w+:\/\/[^\s]*/g, "[url]").slice(0, 300);
}

export function opsRoutes(deps: { database: Database; metrics: Metrics; log: Logger }): Route[] {
  let wasReady = true;
  const shipped = listMigrations(deps.database.kind);
  return [
    {
      method: "GET",
      path: "/readyz",
      async handler() {
        const readiness = await checkReadiness(deps.database, shipped);
        // Said once per change, not once per probe.
        if (readiness.ready !== wasReady) {
          wasReady = readiness.ready;
          if (readiness.ready) deps.log.info({}, "ready again");
          else deps.log.warn({ reason: readiness.reason }, "not ready");
        }
        if (!readiness.ready) {
          return {
            status: 503,
            headers: { "retry-after": "5" },
            body: { status: "unavailable", reason: readiness.reason },
          };
        }
        return {
          status: 200,
          body: {
            status: "ready",
            database: deps.database.kind,
            migrations: readiness.migrations,
            ...(readiness.unknownMigrations.length > 0
              ? { newerMigrations: readiness.unknownMigrations }
              : {}),
          },
        };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      async handler() {
        const { contentType, text } = await deps.metrics.scrape();
        return { status: 200, headers: { "content-type": contentType }, text };
      },
    },
  ];
}
