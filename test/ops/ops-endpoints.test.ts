// The operations endpoints of a whole embedded Latchkey (SQLite, simulated phones, outbox):
// /metrics (on its own listener) moves as a reset runs (requests by state, time to lock,
// deliveries, pushes, job runs, HTTP requests by route), /readyz follows the database and says
// only "ready" or "unavailable" (the details go to the log), and every log line about a reset
// carries its rq_ id, every HTTP one the request id the response names.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMigrations } from "../../src/adapters/db/migrate.ts";
import { runCli } from "../../src/cli/main.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { type Embedded, startEmbedded } from "../support/embedded.ts";
import { metric, scrape } from "./prometheus-text.ts";

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type LogLine = Record<string, unknown> & { msg?: string };

describe("operations endpoints on the embedded defaults", () => {
  let lk: Embedded;
  let url: string;
  const lines = (): LogLine[] => lk.logs.map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    lk = await startEmbedded("ops", { TEAMS_ENABLED: "false" }, () => ({}));
    url = lk.running.url;
  });
  afterAll(async () => {
    await lk?.stop();
  });

  it("/readyz is 200 'ready' once started; the database and its migrations go to the log only", async () => {
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("ready\n");
    const said = lines().find((l) => l.msg === "ready");
    expect(said).toMatchObject({ database: "sqlite", migrations: listMigrations("sqlite").length });
  });

  it("/metrics moves through a reset made by the CLI (another process's engine) and one made here", async () => {
    const metricsUrl = lk.running.metricsUrl ?? "";
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const before = await scrape(metricsUrl);
    expect(before.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metric(before.samples, "latchkey_database_up")).toBe(1);
    expect(metric(before.samples, "latchkey_requests", { state: "completed" })).toBe(0);

    // The operator's CLI opens the same database with an engine of its own, like a second process.
    const port = new URL(url).port;
    const out: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
    const env = { DATA_DIR: lk.dir, PORT: port, LOG_LEVEL: "silent" };
    expect(await runCli(["reset", "demo-pixel-8-owner", "--as", "ada.admin@example.com"], env, io)).toBe(0);
    const cliRequest = /(rq_[0-9a-f]+)/.exec(out.join("\n"))?.[1] ?? "";
    expect(cliRequest).toMatch(/^rq_/);

    // And one through the server's own engine: its push goes through this process's channel.
    const started = await startReset(lk.running.core.engine, {
      actorEmail: "ada.admin@example.com",
      deviceId: "demo-galaxy-s7-android6-admin",
      notifyUser: false,
      surface: "cli",
    });
    expect(started.status).toBe("started");
    const serverRequest = started.status === "started" ? started.request.id : "";
    await until(
      "the second reset to complete",
      async () => (await lk.running.core.engine.stores.requests.get(serverRequest))?.state === "completed",
    );
    expect(await lk.running.scheduler.runNow("purge-passcodes")).toBe(true);

    const after = (await scrape(metricsUrl)).samples;
    expect(metric(after, "latchkey_requests", { state: "completed" })).toBe(2);
    expect(metric(after, "latchkey_request_seconds_count", { state: "locked" })).toBe(2);
    expect(metric(after, "latchkey_request_seconds_count", { state: "completed" })).toBe(2);
    // The simulated phones lock within seconds: every observation is under the 30 s bucket.
    expect(metric(after, "latchkey_request_seconds_bucket", { state: "locked", le: "30" })).toBe(2);
    expect(metric(after, "latchkey_request_seconds_sum", { state: "locked" })).toBeGreaterThan(0);
    expect(metric(after, "latchkey_deliveries", { channel: "email", status: "sent" })).toBe(2);
    expect(metric(after, "latchkey_delivery_attempts_total", { channel: "email", outcome: "sent" })).toBe(2);
    expect(metric(after, "latchkey_push_sends_total", { outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(
      metric(after, "latchkey_job_runs_total", { job: "purge-passcodes", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    const reports = { route: "/device/v1/commands/:requestId/reports", method: "POST", status: "200" };
    // received, passcode_reset, locked for each of the two requests.
    expect(metric(after, "latchkey_http_requests_total", reports)).toBeGreaterThanOrEqual(6);
    expect(metric(after, "process_resident_memory_bytes")).toBeGreaterThan(0);

    // Every router line about a device's report on a request names that request and its HTTP call.
    for (const rq of [cliRequest, serverRequest]) {
      const about = lines().filter((l) => typeof l.path === "string" && l.path.includes(`/${rq}/`));
      expect(about.length).toBeGreaterThanOrEqual(3);
      for (const l of about) {
        expect(l.requestId).toBe(rq);
        expect(l.httpRequestId).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
    // No line mentions a request id in its fields without carrying it as requestId.
    for (const l of lines()) {
      const text = JSON.stringify({ ...l, requestId: undefined });
      const named = /rq_[0-9a-f]+/.exec(text)?.[0];
      if (named && !String(l.msg).includes("rq_")) expect(l.requestId, text).toBe(named);
    }
  });

  it("echoes a well-formed X-Request-Id, replaces a malformed one, and logs it", async () => {
    const given = await fetch(`${url}/healthz`, { headers: { "x-request-id": "lb-7f3a.42" } });
    expect(given.headers.get("x-request-id")).toBe("lb-7f3a.42");
    const bad = await fetch(`${url}/healthz`, { headers: { "x-request-id": "has space{}" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const none = await fetch(`${url}/nope`);
    expect(none.status).toBe(404);
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const logged = lines().filter((l) => l.httpRequestId === "lb-7f3a.42");
    expect(logged.map((l) => l.path)).toContain("/healthz");
    const samples = (await scrape(lk.running.metricsUrl ?? "")).samples;
    expect(metric(samples, "latchkey_http_requests_total", { route: "unmatched", status: "404" })).toBe(1);
  });

  it("/readyz is 503 with the reason once a shipped migration is missing from the database", async () => {
    const { db } = lk.running.core.database;
    await db.$executeRawUnsafe(
      `UPDATE "_prisma_migrations" SET rolled_back_at = '2026-01-01T00:00:00Z' WHERE migration_name = '20261128000000_chat_threads'`,
    );
    try {
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(await res.text()).toBe("unavailable\n");
      expect(lines().some((l) => l.msg === "not ready" && String(l.reason).includes("chat_threads"))).toBe(
        true,
      );
      // Liveness does not depend on the database.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await db.$executeRawUnsafe(`UPDATE "_prisma_migrations" SET rolled_back_at = NULL`);
    }
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it("/readyz is 503 with the database's own words when the migrations table is gone", async () => {
    const { db } = lk.running.core.database;
    await db.$executeRawUnsafe(`ALTER TABLE "_prisma_migrations" RENAME TO "_prisma_migrations_away"`);
    try {
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(503);
      const body = await res.text();
      expect(body).toBe("unavailable\n");
      expect(body).not.toMatch(/sqlite|prisma|migrat/i);
      const reasons = lines()
        .filter((l) => l.msg === "not ready")
        .map((l) => String(l.reason));
      expect(reasons.at(-1)).toMatch(
        /^database not reachable or not migrated: .*no such table: _prisma_migrations/,
      );
    } finally {
      await db.$executeRawUnsafe(`ALTER TABLE "_prisma_migrations_away" RENAME TO "_prisma_migrations"`);
    }
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
