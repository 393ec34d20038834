// Benchmark 3, end to end: N resets of N simulated phones, started as fast as Latchkey accepts them
// through the real Slack path, each one a signed `view_submission` of the reset modal's
// confirmation ("Reset and lock"), as Slack sends it (test/support/slack-harness.ts). The first
// reset goes the whole way (signed `/reset-passcode owner@…` command, the reset form Latchkey fills
// through the fake Web API, "Next", the confirmation Latchkey pushes); that confirmation is the
// template of the others (same view, each with its own view id, channel, owner and device in its
// private_metadata, as Slack would hand them back). Latchkey runs as `npm start` does (embedded
// database or PostgreSQL, local push, simulated phones, enrolled before the run as a real fleet's
// agents are), Slack at the fake Web API in another process. Measured: resets accepted, locked and completed per second; time from the confirmation
// to "locked" on the timeline (the simulated phone's own pauses subtracted) and to Slack showing
// it; Web API calls per reset; the busiest channel's message rate (Slack: about 1 a second).
// Run alone: `node --import tsx bench/e2e.ts [--ci]` prints the tables. The fleet and the Slack
// requests are in lib/e2e-slack-driver.ts; the figures in lib/e2e-analysis.ts and lib/e2e-tables.ts.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { analyseProfile } from "./lib/cpu-profile.ts";
import {
  analyse,
  type E2eBenchmark,
  type E2eDatabase,
  type E2ePacing,
  type E2eRun,
} from "./lib/e2e-analysis.ts";
import { startE2eSlack } from "./lib/e2e-slack.ts";
import {
  confirmBody,
  deviceOf,
  getJson,
  inventory,
  post,
  slackQuiet,
  waitFor,
  wizard,
} from "./lib/e2e-slack-driver.ts";
import { e2eTables } from "./lib/e2e-tables.ts";
import { freePort, launch, type Target } from "./lib/processes.ts";
import { machineLine } from "./lib/report.ts";
import { SIGNING_SECRET } from "./lib/slack-payloads.ts";
import { CI, FULL, type Settings } from "./settings.ts";

export type { E2eBenchmark, E2eRun } from "./lib/e2e-analysis.ts";
export { e2eTables };

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export async function runE2eBenchmark(
  s: Settings,
  log: (line: string) => void,
  /** Run Latchkey under `node --cpu-prof` and keep the profiles here (and log where the CPU went). */
  opts: { profileDir?: string } = {},
): Promise<E2eBenchmark> {
  const plan: { database: E2eDatabase; pacing: E2ePacing }[] = [
    { database: "embedded SQLite", pacing: "off" },
    ...(s.ci ? [] : [{ database: "embedded SQLite" as const, pacing: "production" as const }]),
  ];
  const skipped: string[] = [];
  if (s.e2ePostgres) {
    if (await postgresAnswers()) plan.push({ database: "PostgreSQL", pacing: "off" });
    else skipped.push(`PostgreSQL: no server at ${postgresUrl()}`);
  }
  const runs: E2eRun[] = [];
  for (const p of plan) runs.push(await runOnce(s, p.database, p.pacing, log, opts.profileDir));
  for (const r of runs) {
    if (r.accepted === 0 || r.locked === 0) {
      throw new Error(
        `end to end on ${r.database}: no reset was ${r.accepted === 0 ? "accepted" : "locked"}`,
      );
    }
  }
  return { runs, skipped };
}

const postgresUrl = () => process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 2000 });
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

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

async function runOnce(
  s: Settings,
  database: E2eDatabase,
  pacing: E2ePacing,
  log: (line: string) => void,
  profileDir?: string,
): Promise<E2eRun> {
  const n = s.e2eResets;
  const dir = mkdtempSync(join(tmpdir(), "latchkey-bench-e2e-"));
  const schema = `bench_e2e_${process.pid}_${Date.now()}`;
  const inventoryFile = join(dir, "inventory.json");
  writeFileSync(inventoryFile, inventory(n));
  const controlPort = await freePort();
  const fake = await startE2eSlack();
  let target: Target | null = null;
  const profileIn = profileDir ? join(profileDir, `${database.replace(/\W+/g, "-")}-${pacing}`) : null;
  let window = { fromUs: 0, toUs: 0 };
  try {
    log(`e2e ${database}, Slack pacing ${pacing}: starting Latchkey with ${n} simulated phones`);
    target = await launch({
      name: "Latchkey",
      script: root("lib/e2e-latchkey.ts"),
      ...(profileIn
        ? { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profileIn, "--cpu-prof-interval", "500"] }
        : {}),
      env: {
        DATA_DIR: join(dir, "data"),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "silent",
        DEMO_INVENTORY: "false",
        TEAMS_ENABLED: "false",
        SIMULATOR_DELAY: `${s.e2eDeviceDelayMs}ms`,
        SLACK_BOT_TOKEN: "xoxb-bench-token",
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        BENCH_INVENTORY: inventoryFile,
        BENCH_CONTROL_PORT: String(controlPort),
        BENCH_SLACK_PACING: pacing,
        // The phones are enrolled agents before the run, as a real fleet's are.
        BENCH_PREENROLL: "true",
        ...(database === "PostgreSQL"
          ? {
              DATABASE_URL: `${postgresUrl()}${postgresUrl().includes("?") ? "&" : "?"}schema=${schema}`,
              PASSCODE_KEY: randomBytes(32).toString("hex"),
              // Simulated phones off the embedded default run only when asked.
              SIMULATED_DEVICES: "true",
            }
          : {}),
      },
      timeoutMs: 120_000,
    });
    const control = `http://127.0.0.1:${controlPort}`;
    await waitFor(
      () =>
        getJson(`${control}/progress`).then(
          () => true,
          () => false,
        ),
      300_000,
      "the control port",
    );
    const url = `${target.url}/slack/events`;

    // The first reset the whole way, through the modal; its confirmation is the others' template.
    const confirmation = await wizard(url, fake);
    const cpuBefore = (await getJson<{ cpuMs: number }>(`${control}/cpu`)).cpuMs;
    window.fromUs = Number(process.hrtime.bigint() / 1000n);
    const sentAt = new Map<string, number>();
    const ackMs: number[] = [];
    let accepted = 0;
    let refused = 0;
    const agent = new Agent({ keepAlive: true, maxSockets: s.connections });
    const began = Date.now();
    let lastAck = began;
    let nextIndex = 0;
    log(`e2e ${database}: ${n} confirmations, ${s.connections} at a time, over ${s.e2eChannels} channels`);
    const worker = async () => {
      while (nextIndex < n) {
        const i = nextIndex++;
        const signed = confirmBody(confirmation, i, s.e2eChannels);
        const t0 = Date.now();
        sentAt.set(deviceOf(i), t0);
        const answer = await post(url, signed, agent);
        lastAck = Date.now();
        ackMs.push(lastAck - t0);
        if (answer.status === 200 && answer.body.includes('"clear"')) accepted++;
        else refused++;
      }
    };
    await Promise.all(Array.from({ length: s.connections }, worker));
    agent.destroy();
    const acceptedInMs = lastAck - began;

    // Until every reset has ended (or the time is up), then until Slack has been quiet a while.
    const deadline = began + s.e2eTimeoutSec * 1000;
    const finalStates = new Set(["completed", "failed", "expired", "cancelled", "refused"]);
    let lockedSeen = false;
    for (;;) {
      const { counts } = await getJson<{ counts: Record<string, number> }>(`${control}/progress`);
      const ended = Object.entries(counts).reduce((t, [k, v]) => t + (finalStates.has(k) ? v : 0), 0);
      const lockedNow = ended + (counts.locked ?? 0);
      if (lockedNow >= n && !lockedSeen) {
        lockedSeen = true;
        log(`e2e ${database}: all ${n} locked after ${((Date.now() - began) / 1000).toFixed(1)} s`);
      }
      if (ended >= n || Date.now() > deadline) break;
      // With Slack's pacing the passcode DMs are what completes a reset: once every device is
      // locked, watch Slack for a bounded while only (its queues then take minutes).
      if (pacing === "production" && lockedSeen && Date.now() > deadline - (s.e2eTimeoutSec * 1000) / 2)
        break;
      await sleep(250);
    }
    const timedOut = Date.now() > deadline;
    await slackQuiet(fake, pacing === "production" ? 3000 : 1000, deadline);
    const cpuAfter = (await getJson<{ cpuMs: number }>(`${control}/cpu`)).cpuMs;
    window = { ...window, toUs: Number(process.hrtime.bigint() / 1000n) };
    const requests = await getJson<
      { id: string; deviceId: string; state: string; events: { type: string; at: number }[] }[]
    >(`${control}/requests`);
    const summary = await fake.summary();
    const run = analyse({
      s,
      database,
      pacing,
      requests,
      sentAt,
      began,
      summary,
      accepted,
      refused,
      acceptedInMs,
      ackMs,
      cpuMs: cpuAfter - cpuBefore,
      timedOut,
    });
    log(
      `e2e ${database}: ${run.completed}/${n} completed in ${(run.completedInMs / 1000).toFixed(1)} s, ` +
        `locked in ${(run.lockedInMs / 1000).toFixed(1)} s`,
    );
    // What an unfinished reset was doing, to look into (with BENCH_OUT for the server's log).
    for (const r of requests.filter((x) => !finalStates.has(x.state)).slice(0, 5)) {
      const last = r.events.slice(-4).map((e) => `${e.type} +${Math.round(e.at - began)} ms`);
      log(`  not finished: ${r.id} (${r.deviceId}) in ${r.state}; last events: ${last.join(", ")}`);
    }
    return run;
  } finally {
    await target?.stop();
    await fake.close();
    if (profileIn && window.toUs > 0) logProfile(profileIn, window, s.e2eResets, log);
    rmSync(dir, { recursive: true, force: true });
    if (database === "PostgreSQL") await dropSchema(schema).catch(() => {});
  }
}

/** Where Latchkey's CPU went during the run, per reset, to the log (biggest buckets first). */
function logProfile(
  dir: string,
  window: { fromUs: number; toUs: number },
  resets: number,
  log: (line: string) => void,
) {
  const [file] = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  if (!file) return log(`no CPU profile in ${dir}`);
  const b = analyseProfile(join(dir, file), window);
  const top = [...b.buckets].sort((x, y) => y[1] - x[1]).slice(0, 15);
  log(
    `CPU per reset ${((b.totalUs - b.idleUs) / resets / 1000).toFixed(1)} ms (profile ${join(dir, file)}):`,
  );
  for (const [name, us] of top) log(`  ${(us / resets / 1000).toFixed(2).padStart(8)} ms  ${name}`);
}

// ---- run alone ----------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const settings = process.argv.includes("--ci") ? CI : FULL;
  const began = performance.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const log = (line: string) =>
    process.stderr.write(`[e2e ${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
  const profileDir = process.argv.find((a) => a.startsWith("--profile-dir="))?.slice(14);
  const result = await runE2eBenchmark(settings, log, profileDir ? { profileDir: resolve(profileDir) } : {});
  process.stdout.write(
    [
      "## 3. End to end",
      "",
      machineLine(settings, { start: loadAtStart, end: loadavg()[0] ?? 0 }),
      "",
      e2eTables(result, settings),
      "",
    ].join("\n"),
  );
  process.stderr.write(`done in ${((performance.now() - began) / 1000).toFixed(0)} s\n`);
}
