// Prometheus metrics (prom-client), one registry per running Latchkey (no global registry, so
// several instances in one test process never mix their numbers). Counters and histograms are
// this process's; the request and delivery gauges are read from the database at scrape time (the
// stores count; no SQL here), so every replica reports the same totals and a restart loses nothing.
import client from "prom-client";
import type { DeliveryStore, RequestStore } from "../../core/ports.ts";

/** What the gauges read at scrape time: the database's liveness and the stores' counts. */
export interface ScrapeSources {
  /** Resolves when the database answers (the driver connection's `SELECT 1`). */
  ping(): Promise<void>;
  requests: Pick<RequestStore, "countByState">;
  deliveries: Pick<DeliveryStore, "countByChannelAndStatus">;
}

/** What the chat adapters report about their Web API / Bot Connector calls. */
export interface ChatApiObserver {
  /** A call failed for good (after its retries): `code` is the platform's error code or HTTP status. */
  failed(operation: string, code: string): void;
  /** A failed attempt will be tried again. */
  retried(operation: string, reason: string): void;
}

export interface Metrics {
  registry: client.Registry;
  /** Prometheus text exposition of every metric. */
  scrape(): Promise<{ contentType: string; text: string }>;
  httpRequest(info: { method: string; route: string; status: number; seconds: number }): void;
  jobRun(job: string, outcome: "ok" | "failed", seconds: number): void;
  pushSent(outcome: string): void;
  deliveryAttempt(channel: string, outcome: "sent" | "error"): void;
  /** A request reached `locked` (or `completed`): seconds since it was created. */
  requestReached(state: "locked" | "completed", seconds: number): void;
  chatApi(platform: "slack" | "teams"): ChatApiObserver;
}

/** Seconds: the simulator locks in under one, a real phone at its next check-in (minutes to hours). */
const TIME_TO_LOCK_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];
const HTTP_METHODS = new Set(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]);

export function createMetrics(sources: ScrapeSources, opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new client.Registry();
  const registers = [registry];
  if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: registry });

  new client.Gauge({
    name: "latchkey_database_up",
    help: "1 when the database answered this scrape, else 0.",
    registers,
    async collect() {
      try {
        await sources.ping();
        this.set(1);
      } catch {
        this.set(0);
      }
    },
  });
  new client.Gauge({
    name: "latchkey_requests",
    help: "Reset and lock requests by state (read from the database at scrape time; all processes).",
    labelNames: ["state"],
    registers,
    async collect() {
      try {
        const counts = await sources.requests.countByState();
        this.reset();
        for (const c of counts) this.set({ state: c.state }, c.count);
      } catch {
        this.reset(); // the database is away: latchkey_database_up says so
      }
    },
  });
  new client.Gauge({
    name: "latchkey_deliveries",
    help: "Passcode deliveries by channel and status (pending, sent, failed; read from the database at scrape time).",
    labelNames: ["channel", "status"],
    registers,
    async collect() {
      try {
        const counts = await sources.deliveries.countByChannelAndStatus();
        this.reset();
        for (const c of counts) this.set({ channel: c.channel, status: c.status }, c.count);
      } catch {
        this.reset();
      }
    },
  });
  const timeTo = new client.Histogram({
    name: "latchkey_request_seconds",
    help: "Time from a request's creation until it reached a state (locked, completed), observed by the process that moved it.",
    labelNames: ["state"],
    buckets: TIME_TO_LOCK_BUCKETS,
    registers,
  });
  const deliveryAttempts = new client.Counter({
    name: "latchkey_delivery_attempts_total",
    help: "Attempts to send a passcode, by channel and outcome (an error is retried with backoff).",
    labelNames: ["channel", "outcome"],
    registers,
  });
  const pushes = new client.Counter({
    name: "latchkey_push_sends_total",
    help: "Pushes to devices by outcome: ok, or the push error (unregistered, invalid, transient, no_registration, exception).",
    labelNames: ["outcome"],
    registers,
  });
  const chatErrors = new client.Counter({
    name: "latchkey_chat_api_errors_total",
    help: "Slack Web API / Bot Connector calls that failed for good, by platform, operation and error code.",
    labelNames: ["platform", "operation", "code"],
    registers,
  });
  const chatRetries = new client.Counter({
    name: "latchkey_chat_api_retries_total",
    help: "Slack Web API / Bot Connector attempts that failed and were retried, by platform, operation and reason.",
    labelNames: ["platform", "operation", "reason"],
    registers,
  });
  const jobRuns = new client.Counter({
    name: "latchkey_job_runs_total",
    help: "Scheduler job runs claimed and run by this process, by job and outcome (ok, failed).",
    labelNames: ["job", "outcome"],
    registers,
  });
  const jobSeconds = new client.Histogram({
    name: "latchkey_job_duration_seconds",
    help: "Scheduler job run time.",
    labelNames: ["job"],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
    registers,
  });
  const httpRequests = new client.Counter({
    name: "latchkey_http_requests_total",
    help: "HTTP requests answered, by method, route (the route's pattern, a mount such as /slack/events, or unmatched) and status.",
    labelNames: ["method", "route", "status"],
    registers,
  });
  const httpSeconds = new client.Histogram({
    name: "latchkey_http_request_duration_seconds",
    help: "HTTP request duration by route, until the response was written.",
    labelNames: ["route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });

  return {
    registry,
    async scrape() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
    httpRequest({ method, route, status, seconds }) {
      const m = HTTP_METHODS.has(method) ? method : "other";
      httpRequests.inc({ method: m, route, status: String(status) });
      httpSeconds.observe({ route }, seconds);
    },
    jobRun(job, outcome, seconds) {
      jobRuns.inc({ job, outcome });
      jobSeconds.observe({ job }, seconds);
    },
    pushSent: (outcome) => pushes.inc({ outcome }),
    deliveryAttempt: (channel, outcome) => deliveryAttempts.inc({ channel, outcome }),
    requestReached: (state, seconds) => timeTo.observe({ state }, Math.max(0, seconds)),
    chatApi(platform) {
      return {
        failed: (operation, code) => chatErrors.inc({ platform, operation, code }),
        retried: (operation, reason) => chatRetries.inc({ platform, operation, reason }),
      };
    },
  };
}
