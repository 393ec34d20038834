// scripts/check-image.sh: the Docker image checked without a Docker engine. Lints the Dockerfile,
// checks the image rules, lays out a folder as the runtime stage's COPY lines say (from this
// checkout after `npm ci`, which is the build stage's /app), prunes it to production dependencies
// as the build stage does, then runs the exact CMD as an unprivileged user with a fresh DATA_DIR
// and DATABASE_URL on PostgreSQL, waits for /readyz and runs the HEALTHCHECK command.
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { imageRuleProblems, lintDockerfile } from "./dockerfile.ts";
import { stageRuntime, startImageCmd, waitReady } from "./image-run.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const PG_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const say = (text: string) => process.stdout.write(`check-image: ${text}\n`);

async function sql(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const text = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const problems = [...lintDockerfile(text), ...imageRuleProblems(text)];
  if (problems.length > 0) {
    for (const p of problems) say(`Dockerfile: ${p}`);
    return 1;
  }
  say("Dockerfile lint and image rules: ok");

  const app = mkdtempSync(join(tmpdir(), "latchkey-image-app-"));
  const data = mkdtempSync(join(tmpdir(), "latchkey-image-data-"));
  const schema = `image_${randomBytes(5).toString("hex")}`;
  // Root inside the check, like `docker build`: the app stays root-owned, /data belongs to the user.
  const asRoot = process.getuid?.() === 0;
  const asUser = asRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : [];
  try {
    const copied = stageRuntime(ROOT, app);
    say(
      `runtime stage laid out and pruned (${copied.join(", ")}) in ${Math.round((Date.now() - started) / 1000)} s`,
    );
    chmodSync(app, 0o755);
    if (asRoot) chownSync(data, 65534, 65534);
    const proc = await startImageCmd(
      app,
      {
        DATA_DIR: data,
        DATABASE_URL: `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${schema}`,
        PASSCODE_KEY: randomBytes(32).toString("hex"),
        TEAMS_ENABLED: "false",
        // NODE_ENV=production (the image's) refuses to start with no push service unless asked.
        SIMULATED_DEVICES: "true",
      },
      { asUser, dockerfileRoot: ROOT },
    );
    try {
      const ready = await waitReady(proc.url, proc.child).catch((err: unknown) => {
        say(`output of the CMD:\n${proc.output.join("")}`);
        throw err;
      });
      say(`CMD ${asRoot ? "as nobody " : ""}on PostgreSQL: /readyz ${JSON.stringify(ready)}`);
      const hc = await proc.healthcheck();
      if (hc !== 0) throw new Error(`HEALTHCHECK exited ${hc}`);
      say("HEALTHCHECK: exit 0");
    } finally {
      await proc.stop();
    }
    if (proc.child.exitCode !== 0) throw new Error(`SIGTERM: the CMD exited ${proc.child.exitCode}`);
    say(`SIGTERM: clean exit; all checks passed in ${Math.round((Date.now() - started) / 1000)} s`);
    return 0;
  } finally {
    rmSync(app, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
    await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
