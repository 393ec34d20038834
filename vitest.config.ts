import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Database suites share one PostgreSQL server; files run in parallel on separate schemas.
    pool: "forks",
  },
});
