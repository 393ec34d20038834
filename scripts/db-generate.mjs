// Writes prisma/sqlite/schema.prisma from the PostgreSQL schema (the source of truth), then
// generates both Prisma clients. Runs on `npm install` (postinstall) and needs no network.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

export function sqliteSchemaFrom(pgSchema) {
  return pgSchema
    .replace('provider = "postgresql"', 'provider = "sqlite"')
    .replace('output       = "../../src/generated/postgresql"', 'output       = "../../src/generated/sqlite"')
    .replace(
      /^\/\/ Source of truth[\s\S]*?\n\n/m,
      "// GENERATED from prisma/postgresql/schema.prisma by scripts/db-generate.mjs: do not edit.\n\n",
    );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pg = readFileSync("prisma/postgresql/schema.prisma", "utf8");
  writeFileSync("prisma/sqlite/schema.prisma", sqliteSchemaFrom(pg));
  // The CLI validates the URL against the provider before generating; a mismatch makes it
  // fall back to downloading an engine, so each provider gets a placeholder of its own kind.
  const placeholder = { postgresql: "postgresql://localhost/unused", sqlite: "file:./unused.db" };
  for (const provider of ["postgresql", "sqlite"]) {
    const env = { ...process.env, DATABASE_URL: placeholder[provider], PRISMA_HIDE_UPDATE_MESSAGE: "1" };
    execFileSync("npx", ["prisma", "generate", "--config", `prisma/${provider}/prisma.config.ts`], {
      stdio: "inherit",
      env,
    });
  }
}
