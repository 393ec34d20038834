// Applies the committed Prisma migrations (prisma/<provider>/migrations) at start-up and
// records them in Prisma's own `_prisma_migrations` table, so `prisma migrate status` agrees.
// Done in-process because the Prisma CLI's JS schema engine cannot run `migrate deploy` against
// PostgreSQL (prisma/orm#27403) and because start-up must not spawn a 10-second CLI.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Db, DbKind } from "./open-database.ts";

export interface MigrationReport {
  applied: string[];
  total: number;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** Same key Prisma's migrate uses, so our start-up and a concurrent `prisma migrate` never overlap. */
const ADVISORY_LOCK = 72707369;

export function migrationsDir(kind: DbKind): string {
  return join(ROOT, "prisma", kind, "migrations");
}

export function listMigrations(kind: DbKind): { name: string; sql: string; checksum: string }[] {
  const dir = migrationsDir(kind);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\r?\n|$)/)
    .map((s) =>
      s
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter(Boolean);
}

const TABLE = {
  sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
    "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
    "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`,
  postgresql: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`,
};

export async function applyMigrations(db: Db, kind: DbKind, schema = "public"): Promise<MigrationReport> {
  const all = listMigrations(kind);
  const applied: string[] = [];
  await db.$transaction(
    async (tx) => {
      if (kind === "postgresql") {
        await tx.$executeRawUnsafe(`SET LOCAL search_path TO "${schema.replace(/"/g, '""')}"`);
        await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${ADVISORY_LOCK})`);
      }
      await tx.$executeRawUnsafe(TABLE[kind]);
      const done = await tx.$queryRawUnsafe<{ migration_name: string; checksum: string }[]>(
        `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      );
      const byName = new Map(done.map((r) => [r.migration_name, r.checksum]));
      for (const m of all) {
        const seen = byName.get(m.name);
        if (seen !== undefined) {
          if (seen !== m.checksum) {
            throw new Error(
              `Migration ${m.name} was changed after it was applied to this database (checksum differs).`,
            );
          }
          continue;
        }
        const steps = splitStatements(m.sql);
        for (const statement of steps) await tx.$executeRawUnsafe(statement);
        const now = new Date().toISOString();
        await tx.$executeRawUnsafe(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ('${randomUUID()}', '${m.checksum}', '${m.name.replace(/'/g, "''")}', '${now}', '${now}', ${steps.length > 0 ? 1 : 0})`,
        );
        applied.push(m.name);
      }
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
  return { applied, total: all.length };
}
