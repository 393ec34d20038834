// The metrics listener: GET /metrics on its own port (METRICS_PORT, METRICS_HOST: loopback by
// default), so a scraper reaches it without the main port exposing the numbers to everyone.
import type { Server } from "node:http";
import type { Logger } from "../../core/ports.ts";
import { metricsRoute } from "../../http/ops-routes.ts";
import { createRouter } from "../../http/router.ts";
import { createLimitedServer } from "../../http/server-limits.ts";
import type { Metrics } from "./metrics.ts";

export interface MetricsServer {
  server: Server;
  /** http://<host>:<port> as bound (port 0 resolved). */
  url: string;
  close(): Promise<void>;
}

/** Null when METRICS_PORT=off. */
export async function startMetricsServer(
  metrics: Metrics,
  where: { port: number | null; host: string; token: string | null },
  log: Logger,
): Promise<MetricsServer | null> {
  if (where.port === null) return null;
  const server = createLimitedServer(createRouter([metricsRoute(metrics, where.token)], log));
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(where.port ?? 0, where.host, () => ok());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : where.port;
  const host = where.host.includes(":") ? `[${where.host}]` : where.host;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
