import { defineConfig } from "vitest/config";

// The long multi-process, crash and fault runs of issue 5 (`npm run test:reliability`). Their
// files are named *.rtest.ts so the default `npm test` (test/**/*.test.ts) never picks them up.
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.rtest.ts"],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Each file starts several Latchkey processes: one file at a time on a small machine.
    fileParallelism: false,
  },
});
