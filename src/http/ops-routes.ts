// Operations endpoints: /readyz (the database answers and holds every migration this build
// ships) and /metrics (Prometheus: on its own listener, or on the main port behind a bearer
// token). /healthz (liveness) stays in compose.ts: it must not depend on the database, or an
// orchestrator would restart a process that only waits for it.
import { createHash, timingSafeEqual } from "node:crypto";
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
  return message.replace(/\b\w+:\/\/\S*/g, "[url]").slice(0, 300);
}

export function opsRoutes(deps: { database: Database; log: Logger }): Route[] {
  let wasReady: boolean | null = null;
  const shipped = listMigrations(deps.database.kind);
  return [
    {
      method: "GET",
      path: "/readyz",
      // A load balancer needs only the verdict; which database, which migrations and the
      // driver's error are for the operator's log, not for whoever can reach the port.
      async handler() {
        const readiness = await checkReadiness(deps.database, shipped);
        // Said once per change, not once per probe.
        if (readiness.ready !== wasReady) {
          wasReady = readiness.ready;
          if (readiness.ready)
            deps.log.info(
              {
                database: deps.database.kind,
                migrations: readiness.migrations,
                ...(readiness.unknownMigrations.length > 0
                  ? { newerMigrations: readiness.unknownMigrations }
                  : {}),
              },
              "ready",
            );
          else deps.log.warn({ database: deps.database.kind, reason: readiness.reason }, "not ready");
        }
        return readiness.ready
          ? { status: 200, headers: TEXT, text: "ready\n" }
          : { status: 503, headers: { ...TEXT, "retry-after": "5" }, text: "unavailable\n" };
      },
    },
  ];
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

/** GET /metrics (Prometheus); with a token, only for `Authorization: Bearer <token>`. */
export function metricsRoute(metrics: Metrics, token: string | null): Route {
  const expected = token === null ? null : digest(token);
  return {
    method: "GET",
    path: "/metrics",
    async handler(req) {
      if (expected) {
        const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
        // Digests of equal length, so the comparison takes the same time whatever was sent.
        if (!given || !timingSafeEqual(digest(given), expected)) {
          return {
            status: 401,
            headers: { ...TEXT, "www-authenticate": 'Bearer realm="metrics"' },
            text: "unauthorized\n",
          };
        }
      }
      const { contentType, text } = await metrics.scrape();
      return { status: 200, headers: { "content-type": contentType }, text };
    },
  };
}

const digest = (text: string) => createHash("sha256").update(text).digest();
