// Operations endpoints: /readyz (the database answers and holds every migration this build
// ships) and /metrics (Prometheus: on its own listener, or on the main port behind a bearer
// token). /healthz (liveness) stays in compose.ts: it must not depend on the database, or an
// orchestrator would restart a process that only waits for it.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "../core/ports.ts";
import type { Route } from "./router.ts";

/** What /readyz asks (adapters/db/readiness.ts answers it for the database). */
export type Readiness =
  | { ready: true; migrations: number; unknownMigrations: string[] }
  | { ready: false; reason: string };

export function opsRoutes(deps: {
  database: string;
  readiness: () => Promise<Readiness>;
  log: Logger;
}): Route[] {
  let wasReady: boolean | null = null;
  return [
    {
      method: "GET",
      path: "/readyz",
      // A load balancer needs only the verdict; which database, which migrations and the
      // driver's error are for the operator's log, not for whoever can reach the port.
      async handler() {
        const readiness = await deps.readiness();
        // Said once per change, not once per probe.
        if (readiness.ready !== wasReady) {
          wasReady = readiness.ready;
          if (readiness.ready)
            deps.log.info(
              {
                database: deps.database,
                migrations: readiness.migrations,
                ...(readiness.unknownMigrations.length > 0
                  ? { newerMigrations: readiness.unknownMigrations }
                  : {}),
              },
              "ready",
            );
          else deps.log.warn({ database: deps.database, reason: readiness.reason }, "not ready");
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
export function metricsRoute(
  metrics: { scrape(): Promise<{ contentType: string; text: string }> },
  token: string | null,
): Route {
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
