// Database targets for tests: every database suite runs on the embedded SQLite database and on
// PostgreSQL. PostgreSQL tests skip with a clear message when no server answers, except in CI
// (CI=true) or with LATCHKEY_REQUIRE_POSTGRES=1, where its absence fails the run.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const PG_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
export const REQUIRE_PG = process.env.CI === "true" || process.env.LATCHKEY_REQUIRE_POSTGRES === "1";

let pgUp: Promise<boolean> | null = null;
export function postgresAvailable(): Promise<boolean> {
  pgUp ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query("select 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgUp;
}

export interface DbTarget {
  name: "sqlite" | "postgresql";
  /** A fresh, empty database URL, and how to throw it away. */
  fresh(): Promise<{ url: string; drop(): Promise<void> }>;
}

export const sqliteTarget: DbTarget = {
  name: "sqlite",
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-db-"));
    return {
      url: `file:${join(dir, "test.db")}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

export const postgresTarget: DbTarget = {
  name: "postgresql",
  async fresh() {
    if (!(await postgresAvailable())) {
      throw new Error(`PostgreSQL is required for this run (CI) but does not answer at ${PG_URL}`);
    }
    const schema = `t_${randomBytes(6).toString("hex")}`;
    const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${schema}`;
    return {
      url,
      async drop() {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  },
};

/** The targets a suite should run on; logs once why PostgreSQL is skipped. */
export async function dbTargets(): Promise<DbTarget[]> {
  if (REQUIRE_PG || (await postgresAvailable())) return [sqliteTarget, postgresTarget];
  console.warn(
    `[latchkey tests] PostgreSQL not reachable at ${PG_URL}: PostgreSQL database tests are SKIPPED. ` +
      "Set TEST_POSTGRES_URL, or run with LATCHKEY_REQUIRE_POSTGRES=1 to make this a failure.",
  );
  return [sqliteTarget];
}
