// The Dockerfile without a Docker engine: the linter finds nothing, the image rules hold (and are
// really checked: a bad Dockerfile breaks each), and the runtime stage's exact CMD, with its ENV,
// a fresh DATA_DIR and DATABASE_URL on PostgreSQL, becomes ready and passes its own HEALTHCHECK.
// scripts/check-image.sh does the same from a folder laid out and pruned as the image would be.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { listMigrations } from "../../src/adapters/db/migrate.ts";
import { PG_URL, postgresAvailable, REQUIRE_PG } from "../support/databases.ts";
import { imageRuleProblems, lintDockerfile, parseDockerfile } from "./dockerfile.ts";
import { startImageCmd, waitReady } from "./image-run.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const pgUp = REQUIRE_PG || (await postgresAvailable());

describe("Dockerfile", () => {
  it("passes the dockerfile-utils linter and the image rules", () => {
    expect(lintDockerfile(dockerfile)).toEqual([]);
    expect(imageRuleProblems(dockerfile)).toEqual([]);
    const { stages } = parseDockerfile(dockerfile);
    expect(stages.map((s) => s.name)).toEqual(["build", "runtime"]);
    expect(stages[1]?.image).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/);
  });

  it("the rules catch what they promise to", () => {
    const bad = [
      "FROM node:latest",
      "ADD https://example.com/x.tgz /x",
      "EXPOSE abc",
      'CMD ["node", "src/main.ts"]',
    ].join("\n");
    expect(lintDockerfile(bad).join("\n")).toMatch(/line 3: Invalid containerPort: abc/);
    expect(imageRuleProblems(bad)).toEqual(
      expect.arrayContaining([
        "not multi-stage: build and runtime stages expected",
        "base image not pinned to a version: node:latest",
        "line 2: ADD of a URL",
        "the runtime stage does not switch to a non-root USER",
        "the runtime stage needs one HEALTHCHECK",
        "port 3000 not exposed",
      ]),
    );
    const rootUser = dockerfile.replace("USER node", "USER root");
    expect(imageRuleProblems(rootUser)).toEqual(["the runtime stage does not switch to a non-root USER"]);
    const curl = dockerfile.replace(/CMD \["node", "-e".*$/m, 'CMD ["curl", "-f", "localhost:3000/healthz"]');
    expect(imageRuleProblems(curl)).toEqual(["HEALTHCHECK uses curl/wget"]);
  });

  it(".dockerignore keeps secrets, local data and installed modules out of the build context", () => {
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n");
    for (const p of ["node_modules", ".env", "data", "*.key", ".git", "src/generated"])
      expect(ignored).toContain(p);
    // Everything the build stage copies is in the context.
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] ?? "").split(" "),
    );
    for (const c of copied) expect(ignored, c).not.toContain(c.replace(/\/.*$/, ""));
    expect(readdirSync(ROOT)).toEqual(expect.arrayContaining(copied.map((c) => c.replace(/\/.*$/, ""))));
  });
});

describe.skipIf(!pgUp)("the image's CMD on PostgreSQL", () => {
  const schema = `img_${randomBytes(5).toString("hex")}`;
  const dataDir = mkdtempSync(join(tmpdir(), "latchkey-image-data-"));
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });

  it("migrates a new database on start, answers /readyz, and its HEALTHCHECK passes", async () => {
    const proc = await startImageCmd(ROOT, {
      DATA_DIR: dataDir,
      DATABASE_URL: `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${schema}`,
      PASSCODE_KEY: randomBytes(32).toString("hex"),
      TEAMS_ENABLED: "false",
      // No push service here: NODE_ENV=production (the image's) refuses to start without one
      // unless simulated devices are asked for explicitly.
      SIMULATED_DEVICES: "true",
    });
    try {
      expect(await waitReady(proc.url, proc.child)).toBe("ready\n");
      // The details are the operator's: in the log, not in /readyz.
      // The process writes its log line as it answers: wait for the line, do not read once.
      const said = () =>
        proc.output
          .join("")
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === "ready");
      await expect
        .poll(said, { timeout: 10_000 })
        .toMatchObject({ database: "postgresql", migrations: listMigrations("postgresql").length });
      expect(await proc.healthcheck()).toBe(0);
      // The image sets DEMO_INVENTORY=false: a production database gets no demo devices.
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      const devices = await c.query(`SELECT count(*)::int AS n FROM "${schema}"."Device"`);
      await c.end();
      expect(devices.rows[0]?.n).toBe(0);
      const logLine = proc.output
        .join("")
        .split("\n")
        .find((l) => l.startsWith("{"));
      if (logLine) expect(JSON.parse(logLine)).toHaveProperty("service", "latchkey");
    } finally {
      await proc.stop();
    }
    expect(proc.child.exitCode).toBe(0); // SIGTERM: a clean shutdown
    expect(await proc.healthcheck()).toBe(1); // and the probe notices it is gone
  }, 90_000);
});
