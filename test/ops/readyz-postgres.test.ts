// /readyz on PostgreSQL: ready once started (migrations applied in its own schema), 503 (the
// database's reason in the log only) once that schema is dropped under it, while /healthz stays 200 and
// /metrics still answers, saying the database is down.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMigrations } from "../../src/adapters/db/migrate.ts";
import { PG_URL, postgresAvailable, REQUIRE_PG } from "../support/databases.ts";
import { type Embedded, startEmbedded } from "../support/embedded.ts";
import { metric, scrape } from "./prometheus-text.ts";

const available = REQUIRE_PG || (await postgresAvailable());
if (!available)
  console.warn(`[latchkey tests] PostgreSQL not reachable at ${PG_URL}: /readyz on PostgreSQL SKIPPED`);

describe.skipIf(!available)("/readyz on PostgreSQL", () => {
  const schema = `ops_${randomBytes(5).toString("hex")}`;
  let lk: Embedded;
  const sql = async (text: string) => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    lk = await startEmbedded(
      "ops-pg",
      {
        DATABASE_URL: `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${schema}`,
        PASSCODE_KEY: randomBytes(32).toString("hex"),
        TEAMS_ENABLED: "false",
        DEMO_INVENTORY: "false",
        SIMULATED_DEVICES: "true",
      },
      () => ({}),
    );
  });
  afterAll(async () => {
    await lk?.stop();
    await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it("is ready after start, and unavailable with the reason once the schema is dropped", async () => {
    const ready = await fetch(`${lk.running.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe("ready\n");
    const lines = () => lk.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines().find((l) => l.msg === "ready")).toMatchObject({
      database: "postgresql",
      migrations: listMigrations("postgresql").length,
    });
    const metricsUrl = lk.running.metricsUrl ?? "";
    expect(metric((await scrape(metricsUrl)).samples, "latchkey_database_up")).toBe(1);

    await sql(`DROP SCHEMA "${schema}" CASCADE`);
    const away = await fetch(`${lk.running.url}/readyz`);
    expect(away.status).toBe(503);
    expect(await away.text()).toBe("unavailable\n");
    const reason = String(lines().findLast((l) => l.msg === "not ready")?.reason);
    expect(reason).toMatch(/^database not reachable or not migrated: .*_prisma_migrations.* does not exist/);
    expect(reason).not.toContain("postgresql://");
    expect((await fetch(`${lk.running.url}/healthz`)).status).toBe(200);
    const samples = (await scrape(metricsUrl)).samples;
    expect(metric(samples, "latchkey_database_up")).toBe(1); // the server answers SELECT 1 ...
    expect(samples.filter((s) => s.name === "latchkey_requests")).toEqual([]); // ... the tables are gone
  });
});
