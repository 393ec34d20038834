// The fleet benchmark's databases: opened like src/adapters/db/open-database.ts (same driver
// adapters, same pragmas, the real migrations through applyMigrations) but with Prisma's query
// log on, so the SQL the core issues can be recorded and explained; and a Latchkey engine on it
// whose outside world (push, mail, chat) answers in memory.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { applyMigrations } from "../../src/adapters/db/migrate.ts";
import type { Db, DbKind } from "../../src/adapters/db/open-database.ts";
import { sqlThroughPrisma } from "../../src/adapters/db/prisma-sql.ts";
import { createStores } from "../../src/adapters/db/stores.ts";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { cryptoRandom, systemClock } from "../../src/adapters/system.ts";
import type { ChatTimeline } from "../../src/core/chat-ports.ts";
import { DEFAULT_SETTINGS, type Engine } from "../../src/core/engine.ts";
import type { PasscodeSender, PushChannel } from "../../src/core/ports.ts";
import { createSecretBox } from "../../src/core/secrets.ts";
import { PrismaClient as PgClient } from "../../src/generated/postgresql/client.ts";
import { PrismaClient as SqliteClient } from "../../src/generated/sqlite/client.ts";

export const PG_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export interface LoggedQuery {
  sql: string;
  params: unknown[];
  durationMs: number;
}

export interface FleetDb {
  kind: DbKind;
  db: Db;
  /** Where the data is, for the report. */
  location: string;
  /** Runs statements in one transaction (raw SQL, unqualified table names). */
  exec(statements: string[]): Promise<void>;
  /** Raw query (unqualified table names). */
  query<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** After a bulk load: PostgreSQL VACUUM ANALYZE of each table (what autovacuum would do); SQLite nothing. */
  settle(): Promise<void>;
  /** Called with each query Prisma sends while set. */
  onQuery: ((q: LoggedQuery) => void) | null;
  close(): Promise<void>;
}

interface QueryEvent {
  query: string;
  params: string;
  duration: number;
}

function logged(db: { $on(event: "query", cb: (e: QueryEvent) => void): void }, target: FleetDb): void {
  db.$on("query", (e) => {
    if (!target.onQuery) return;
    let params: unknown[] = [];
    try {
      params = JSON.parse(e.params) as unknown[];
    } catch {
      params = [];
    }
    target.onQuery({ sql: e.query, params, durationMs: Number(e.duration) });
  });
}

export async function openFleetDb(kind: DbKind): Promise<FleetDb> {
  return kind === "sqlite" ? openSqlite() : openPostgres();
}

async function openSqlite(): Promise<FleetDb> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-fleet-"));
  const file = join(dir, "fleet.db");
  const client = new SqliteClient({
    adapter: new PrismaBetterSQLite3({ url: `file:${file}` }),
    log: [{ emit: "event", level: "query" }],
  });
  const db = client as unknown as Db;
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  await db.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  await applyMigrations(db, "sqlite");
  const target: FleetDb = {
    kind: "sqlite",
    db,
    location: "embedded SQLite (better-sqlite3, WAL) in a temporary file",
    async exec(statements) {
      await db.$transaction(
        async (tx) => {
          for (const s of statements) await tx.$executeRawUnsafe(s);
        },
        { timeout: 3_600_000, maxWait: 60_000 },
      );
    },
    query: (sql, ...params) => db.$queryRawUnsafe(sql, ...params),
    settle: async () => {},
    onQuery: null,
    async close() {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  logged(client as unknown as Parameters<typeof logged>[0], target);
  return target;
}

async function openPostgres(): Promise<FleetDb> {
  const schema = `fleet_${randomBytes(5).toString("hex")}`;
  const client = new PgClient({
    // As open-database.ts: the schema is also the connection's search path (for the raw reads).
    adapter: new PrismaPg(
      { connectionString: PG_URL, max: 10, options: `-c search_path="${schema}"` },
      { schema },
    ),
    log: [{ emit: "event", level: "query" }],
  });
  const db = client as Db;
  await db.$executeRawUnsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await applyMigrations(db, "postgresql", schema);
  const target: FleetDb = {
    kind: "postgresql",
    db,
    location: `PostgreSQL (node-postgres) at ${new URL(PG_URL).host}, schema ${schema} (dropped afterwards)`,
    async exec(statements) {
      await db.$transaction(
        async (tx) => {
          await tx.$executeRawUnsafe(`SET LOCAL search_path TO "${schema}"`);
          for (const s of statements) await tx.$executeRawUnsafe(s);
        },
        { timeout: 3_600_000, maxWait: 60_000 },
      );
    },
    async query<T>(sql: string, ...params: unknown[]) {
      const rows = await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL search_path TO "${schema}"`);
        return tx.$queryRawUnsafe<T[]>(sql, ...params);
      });
      return rows;
    },
    async settle() {
      const tables = await db.$queryRawUnsafe<{ name: string }[]>(
        "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = $1",
        schema,
      );
      for (const t of tables) await db.$executeRawUnsafe(`VACUUM (ANALYZE) "${schema}"."${t.name}"`);
    },
    onQuery: null,
    async close() {
      await db.$disconnect();
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
  logged(client as unknown as Parameters<typeof logged>[0], target);
  return target;
}

export async function postgresReachable(): Promise<boolean> {
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
}

/** What the engine's outside world was asked to do (so a run can show the sweep did its work). */
export interface OutsideWorld {
  pushes: number;
  letters: number;
  redactions: number;
  chatPosts: number;
}

/** A Latchkey engine on the benchmark database: real core and stores, the outside world in memory. */
export function fleetEngine(target: FleetDb, admins: string[]): { engine: Engine; world: OutsideWorld } {
  const world: OutsideWorld = { pushes: 0, letters: 0, redactions: 0, chatPosts: 0 };
  const push: PushChannel = {
    async send() {
      world.pushes++;
      return { ok: true };
    },
  };
  const sender = (channel: PasscodeSender["channel"]): PasscodeSender => ({
    channel,
    ...(channel === "email" ? {} : { surface: "slack" as const }),
    reaches: async () => true,
    async send() {
      world.letters++;
      return channel === "email" ? undefined : { ref: `D0FLEET:${world.letters}` };
    },
    async redact() {
      world.redactions++;
    },
  });
  const timeline: ChatTimeline = {
    surface: "slack",
    async postStatus(view) {
      world.chatPosts++;
      return { messageId: `ts-${world.chatPosts}`, conversation: view.thread.conversation };
    },
    async updateStatus() {
      world.chatPosts++;
    },
    async postMilestones(_view, events) {
      world.chatPosts += events.length;
    },
  };
  const quiet = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const engine: Engine = {
    stores: createStores({ db: target.db, sql: sqlThroughPrisma(target.db) }, systemClock),
    push,
    backends: {},
    pushChannelName: "the benchmark's push channel",
    senders: [sender("email"), sender("slack_dm")],
    secrets: createSecretBox(randomBytes(32)),
    clock: systemClock,
    random: cryptoRandom,
    log: createLogger("error", quiet),
    settings: DEFAULT_SETTINGS,
    admins: new Set(admins),
    observers: [],
    timelines: [timeline],
  };
  return { engine, world };
}
