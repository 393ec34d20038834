// Benchmark 2, Teams: the "Reset passcode" message extension's invokes (composeExtension/fetchTask,
// and composeExtension/submitAction for the person and for the chosen device) against Latchkey's
// POST /api/messages and against a stock CloudAdapter bot that only answers them, at a fixed rate
// (answer latency, open loop) and at saturation (throughput), then each bot under the CPU profiler.
// Teams waits for an invoke's answer (the dialog's next card) for at most 5 s, so unlike Slack's
// ack there is no "answer first, work later": the answer *is* the work.
// Run alone: `node --import tsx bench/teams-ack.ts [--ci]` prints the tables.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type FakeConnector, startFakeConnector } from "../test/fakes/fake-bot-connector.ts";
import { analyseProfile, type Breakdown } from "./lib/cpu-profile.ts";
import { type FixedRateResult, fixedRate } from "./lib/fixed-rate.ts";
import { type Memory, memoryOf, type Target } from "./lib/processes.ts";
import { machineLine } from "./lib/report.ts";
import { type SaturateResult, saturate } from "./lib/saturate.ts";
import {
  ADA,
  activityPool,
  dialogCard,
  FELIX,
  firstChoice,
  jsonRequest,
  TEAMS_KINDS,
  TENANT,
  type TeamsKind,
  teamsActivity,
} from "./lib/teams-payloads.ts";
import { teamsTables } from "./lib/teams-tables.ts";
import { startTeamsTarget, TEAMS_TARGETS, type TeamsTargetName } from "./lib/teams-targets.ts";
import { CI, FULL, type Settings } from "./settings.ts";

export { teamsTables };

export interface TeamsResult {
  target: TeamsTargetName;
  kind: TeamsKind;
  fixed: FixedRateResult[];
  saturation: SaturateResult[];
}

export interface TeamsProfile {
  target: TeamsTargetName;
  kind: TeamsKind;
  requests: number;
  breakdown: Breakdown;
}

export interface TeamsBenchmark {
  results: TeamsResult[];
  profiles: TeamsProfile[];
  memory: Record<TeamsTargetName, { idle: Memory; afterLoad: Memory }>;
  /** Calls the bots made to the fake Bot Connector during the whole benchmark (member look-ups). */
  connectorCalls: number;
}

const PATH = "/api/messages";

export async function runTeamsBenchmark(
  s: Settings,
  log: (line: string) => void,
  opts: { profile?: boolean } = {},
): Promise<TeamsBenchmark> {
  const connector = await startFakeConnector({
    users: [ADA, FELIX].map((u) => ({
      id: u.id,
      aadObjectId: u.aadObjectId,
      name: u.name,
      email: u.email,
      tenantId: TENANT,
    })),
  });
  const started: Target[] = [];
  try {
    const targets = new Map<TeamsTargetName, Target>();
    for (const name of TEAMS_TARGETS) {
      const target = await startTeamsTarget(name);
      started.push(target);
      targets.set(name, target);
    }
    const get = (name: TeamsTargetName) => targets.get(name) as Target;
    await new Promise((ok) => setTimeout(ok, s.idleMs));
    const idle = new Map(TEAMS_TARGETS.map((n) => [n, memoryOf(get(n).child.pid)]));

    const deviceId = await probeLatchkey(get("Latchkey"), connector);
    for (const kind of TEAMS_KINDS) {
      await expectAnswer(get("bare CloudAdapter"), teamsActivity(kind, connector.url, deviceId));
    }
    const results: TeamsResult[] = [];
    const afterLoad = new Map<TeamsTargetName, Memory>();
    for (const kind of TEAMS_KINDS) {
      const make = () => teamsActivity(kind, connector.url, deviceId);
      results.push(...(await measureKind(s, get, kind, make, afterLoad, log)));
    }
    const memory = Object.fromEntries(
      TEAMS_TARGETS.map((n) => [n, { idle: idle.get(n) as Memory, afterLoad: afterLoad.get(n) as Memory }]),
    ) as TeamsBenchmark["memory"];
    for (const target of started.splice(0)) await target.stop();
    const profiles =
      opts.profile === false || s.profileSec <= 0
        ? []
        : await profileTargets(s, connector.url, deviceId, log);
    for (const r of results) {
      const answered = r.fixed.reduce((n, f) => n + f.latenciesMs.length, 0);
      if (answered === 0 || r.saturation.every((x) => x.throughput === 0)) {
        throw new Error(`${r.target} answered no ${r.kind} with 200: the Teams benchmark could not run`);
      }
    }
    return { results, profiles, memory, connectorCalls: connector.calls.length };
  } finally {
    for (const target of started) await target.stop();
    await connector.close();
  }
}

/**
 * Latchkey must answer as in production before it is measured: the person dialog, Felix's devices
 * (with one that can be reset), and the sealed confirmation for it. Returns that device's id.
 */
async function probeLatchkey(target: Target, connector: FakeConnector): Promise<string> {
  const person = dialogCard(await expectAnswer(target, teamsActivity("fetchTask", connector.url)));
  if (!JSON.stringify(person).includes('"reset.form"')) {
    throw new Error(
      `Latchkey's fetchTask did not open the person dialog: ${JSON.stringify(person).slice(0, 300)}`,
    );
  }
  const form = dialogCard(await expectAnswer(target, teamsActivity("submitForm", connector.url)));
  const deviceId = firstChoice(form);
  if (!deviceId)
    throw new Error(`Latchkey's reset form offers no device: ${JSON.stringify(form).slice(0, 300)}`);
  const confirm = dialogCard(
    await expectAnswer(target, teamsActivity("submitConfirm", connector.url, deviceId)),
  );
  const text = JSON.stringify(confirm);
  if (!text.includes('"reset.start"') || !text.includes('"seal"')) {
    throw new Error(`Latchkey did not answer with the sealed confirmation: ${text.slice(0, 300)}`);
  }
  return deviceId;
}

/** Posts one activity; it must be answered 200 with a dialog. Returns the parsed answer. */
async function expectAnswer(target: Target, activity: Record<string, unknown>): Promise<unknown> {
  const req = jsonRequest(activity);
  const res = await fetch(`${target.url}${PATH}`, { method: "POST", headers: req.headers, body: req.body });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (res.status !== 200 || !dialogCard(body)) {
    throw new Error(`${target.name} answered ${activity.name} with ${res.status} ${text.slice(0, 300)}`);
  }
  return body;
}

async function measureKind(
  s: Settings,
  get: (name: TeamsTargetName) => Target,
  kind: TeamsKind,
  make: () => Record<string, unknown>,
  afterLoad: Map<TeamsTargetName, Memory>,
  log: (line: string) => void,
): Promise<TeamsResult[]> {
  const rows = new Map(
    TEAMS_TARGETS.map((target): [TeamsTargetName, TeamsResult] => [
      target,
      { target, kind, fixed: [], saturation: [] },
    ]),
  );
  const row = (name: TeamsTargetName) => rows.get(name) as TeamsResult;
  const url = (name: TeamsTargetName) => `${get(name).url}${PATH}`;
  const pool = (size: number) => activityPool(size, make);
  for (const name of s.warmupSec > 0 ? TEAMS_TARGETS : []) {
    await saturate({
      url: url(name),
      durationSec: s.warmupSec,
      connections: s.connections,
      next: pool(2000).next,
    });
  }
  for (let run = 1; run <= s.runs; run++) {
    for (const name of TEAMS_TARGETS) {
      log(`teams ${kind} ${name}: ${s.rate}/s for ${s.fixedSec}s (run ${run}/${s.runs})`);
      const next = pool(s.rate * s.fixedSec + 10).next;
      row(name).fixed.push(
        await fixedRate({ url: url(name), rate: s.rate, durationMs: s.fixedSec * 1000, next }),
      );
    }
  }
  for (let run = 1; run <= s.runs; run++) {
    for (const name of TEAMS_TARGETS) {
      log(`teams ${kind} ${name}: saturation for ${s.saturateSec}s (run ${run}/${s.runs})`);
      row(name).saturation.push(
        await saturate({
          url: url(name),
          durationSec: s.saturateSec,
          connections: s.connections,
          next: pool(2000).next,
        }),
      );
      afterLoad.set(name, memoryOf(get(name).child.pid));
    }
  }
  return [...rows.values()];
}

/** Each bot once more, under `node --cpu-prof`: per kind, a warm-up and a measured saturation window. */
async function profileTargets(
  s: Settings,
  serviceUrl: string,
  deviceId: string,
  log: (line: string) => void,
): Promise<TeamsProfile[]> {
  const out: TeamsProfile[] = [];
  for (const name of TEAMS_TARGETS) {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-teams-cpuprof-"));
    try {
      const windows: { kind: TeamsKind; fromUs: number; toUs: number; requests: number }[] = [];
      const target = await startTeamsTarget(name, [
        "--cpu-prof",
        "--cpu-prof-dir",
        dir,
        "--cpu-prof-interval",
        "250",
      ]);
      try {
        for (const kind of TEAMS_KINDS) {
          log(`teams profile ${name} ${kind}: ${s.profileSec}s at saturation`);
          const load = (sec: number) =>
            saturate({
              url: `${target.url}${PATH}`,
              durationSec: sec,
              connections: s.connections,
              next: activityPool(2000, () => teamsActivity(kind, serviceUrl, deviceId)).next,
            });
          if (s.warmupSec > 0) await load(s.warmupSec);
          const fromUs = nowUs();
          const measured = await load(s.profileSec);
          windows.push({ kind, fromUs, toUs: nowUs(), requests: measured.throughput * s.profileSec });
        }
      } finally {
        await target.stop();
      }
      const [file] = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
      if (!file) throw new Error(`${name} wrote no CPU profile`);
      for (const w of windows) {
        out.push({
          target: name,
          kind: w.kind,
          requests: w.requests,
          breakdown: analyseProfile(join(dir, file), w),
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

// ---- run alone ----------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const settings = process.argv.includes("--ci") ? CI : FULL;
  const began = performance.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const log = (line: string) =>
    process.stderr.write(`[teams ${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
  const result = await runTeamsBenchmark(settings, log);
  process.stdout.write(
    [
      "## 2. Teams",
      "",
      machineLine(settings, { start: loadAtStart, end: loadavg()[0] ?? 0 }),
      "",
      teamsTables(result, settings),
    ].join("\n"),
  );
  process.stderr.write(`done in ${((performance.now() - began) / 1000).toFixed(0)} s\n`);
}
