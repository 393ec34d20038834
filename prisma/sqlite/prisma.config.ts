// Prisma CLI configuration for the sqlite schema: the JS schema engine with a driver adapter,
// so the CLI never downloads an engine binary (this machine and CI have no such network).
import { defineConfig } from "prisma/config";
import { cliAdapter } from "../cli-adapter.ts";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "./schema.prisma",
  migrations: { path: "./migrations" },
  adapter: () => cliAdapter("sqlite"),
});
