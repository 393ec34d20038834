// `NODE_ENV=production` or PostgreSQL with no push service: Latchkey does not start (exit code 2,
// the message naming FIREBASE_SERVICE_ACCOUNT and SIMULATED_DEVICES), so /simulator/* is never
// served there. A real process start, as an operator would run it (the other combinations are
// table-tested in test/config.test.ts).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/compose.ts";

const dir = mkdtempSync(join(tmpdir(), "latchkey-refusal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const name of ["FIREBASE_SERVICE_ACCOUNT", "SIMULATED_DEVICES", "DATABASE_URL", "NODE_ENV", "PORT"])
    delete base[name];
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...base, DATA_DIR: dir, PORT: "0", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => {
    stdout += c;
  });
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  // A process that did start would never exit by itself: the test's timeout would say so.
  return new Promise((ok) => child.on("exit", (code) => ok({ code, stdout, stderr })));
}

describe("simulated devices never in production", () => {
  it.each([
    [
      "NODE_ENV=production with PostgreSQL",
      { NODE_ENV: "production", DATABASE_URL: "postgresql://latchkey@127.0.0.1:1/latchkey" },
    ],
    ["PostgreSQL alone", { DATABASE_URL: "postgresql://latchkey@127.0.0.1:1/latchkey" }],
  ])(
    "refuses to start with %s and no push, naming both variables",
    async (_, env) => {
      const { code, stdout, stderr } = await start(env);
      expect(code).toBe(2);
      expect(stderr).toContain("FIREBASE_SERVICE_ACCOUNT");
      expect(stderr).toContain("SIMULATED_DEVICES");
      expect(stdout).not.toContain("Latchkey is running");
    },
    120_000,
  );
});
