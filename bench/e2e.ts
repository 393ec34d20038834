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
// Run alone: `node --import tsx bench/e2e.ts [--ci]` prints the tables.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { analyseProfile } from "./lib/cpu-profile.ts";
import { type E2eSlack, type MessageCall, type SlackSummary, startE2eSlack } from "./lib/e2e-slack.ts";
import { freePort, launch, type Target } from "./lib/processes.ts";
import { machineLine } from "./lib/report.ts";
import {
  type FormView,
  SIGNING_SECRET,
  type SignedRequest,
  sign,
  submissionBody,
} from "./lib/slack-payloads.ts";
import { median, percentile } from "./lib/stats.ts";
import { CI, FULL, type Settings } from "./settings.ts";

export type E2eDatabase = "embedded SQLite" | "PostgreSQL";
export type E2ePacing = "production" | "off";

export interface E2eRun {
  database: E2eDatabase;
  pacing: E2ePacing;
  resets: number;
  channels: number;
  deviceDelayMs: number;
  /** Confirmations answered 200 {"response_action":"clear"}, and the others. */
  accepted: number;
  refused: number;
  /** ms from the first confirmation sent to the last one acknowledged / locked / completed. */
  acceptedInMs: number;
  lockedInMs: number;
  completedInMs: number;
  locked: number;
  completed: number;
  /** Per request, ms: confirmation sent -> timeline step (device pauses subtracted where noted). */
  confirmToLockedMs: number[];
  segments: Record<string, number[]>;
  /** Confirmation sent -> the first Slack message (status or thread reply) showing it locked. */
  confirmToSlackLockedMs: number[];
  /** Confirmation ack latency, ms. */
  ackMs: number[];
  slackCounts: Record<string, number>;
  slackErrors: number;
  rates: ChannelRates;
  /** Latchkey's CPU per reset (simulated phones included: they run in its process). */
  cpuMsPerReset: number;
  /** How long after the last lock Slack was still being written to (its queues draining). */
  slackDrainMs: number;
  timedOut: boolean;
}

export interface ChannelRates {
  /** Most chat.postMessage calls into one channel in any 1 s window, and the shortest gap between two. */
  postPerSecMax: number;
  postMinGapMs: number;
  /** Most chat.update calls on one channel's messages in any 1 s window. */
  updatePerSecMax: number;
  /** Most chat.update calls app-wide in any 60 s window (Slack's Tier 3: about 50 a minute). */
  updatePerMinAppMax: number;
  /** Slack messages (posts + updates) per reset in its channel, vs timeline events per reset. */
  channelMessagesPerReset: number;
  eventsPerReset: number;
}

export interface E2eBenchmark {
  runs: E2eRun[];
  skipped: string[];
}

const TEAM = { id: "T0BENCH", domain: "latchkey-bench" };
const ADMIN = { id: "UADA", name: "ada", email: "ada.admin@example.com" };
const CHANNEL = (k: number) => `C0E2E${String(k).padStart(4, "0")}`;
const owner = (i: number) => `owner-${String(i).padStart(5, "0")}@bench.example`;
const deviceOf = (i: number) => `bench-dev-${String(i).padStart(5, "0")}`;
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

function inventory(n: number): string {
  const now = new Date().toISOString();
  const people = [
    { email: ADMIN.email, name: "Ada Admin", role: "admin" },
    ...Array.from({ length: n }, (_, i) => ({ email: owner(i), name: `Owner ${i}`, role: "employee" })),
  ];
  const devices = Array.from({ length: n }, (_, i) => ({
    id: deviceOf(i),
    owner: owner(i),
    name: `Bench phone ${i}`,
    platform: "android",
    osVersion: "6.0.1",
    managementMode: "device_admin",
    passcodeSet: true,
    passcodePolicy: { enforced: true, type: "numeric", minLength: 6, complexity: "medium" },
    lastSeenAt: now,
  }));
  return JSON.stringify({ people, devices });
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

/**
 * The reset modal the way an admin goes through it, for device 0: `/reset-passcode owner@…`, the
 * form Latchkey opens (on the fake), "Next" with the device chosen. Returns the
 * confirmation Latchkey pushed.
 */
async function wizard(url: string, fake: E2eSlack): Promise<Record<string, unknown>> {
  const command = new URLSearchParams({
    token: "legacy-verification-token",
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: CHANNEL(0),
    channel_name: "e2e-0",
    user_id: ADMIN.id,
    user_name: ADMIN.name,
    command: "/reset-passcode",
    text: owner(0),
    api_app_id: "A0LATCHKEY",
    is_enterprise_install: "false",
    response_url: `${fake.url}/response/e2e-wizard`,
    trigger_id: `${Date.now()}.e2e.wizard`,
  }).toString();
  const acked = await post(url, sign(command));
  if (acked.status !== 200) throw new Error(`the command was answered ${acked.status} ${acked.body}`);
  let form: FormView | null = null;
  await waitFor(
    async () => {
      form = (await fake.lastModal()) as FormView | null;
      return form?.callback_id === "reset_form";
    },
    15_000,
    "the reset form",
  );
  const next = await post(url, sign(submissionBody(form as unknown as FormView, deviceOf(0))));
  const pushed = JSON.parse(next.body || "{}") as {
    response_action?: string;
    view?: Record<string, unknown>;
  };
  if (pushed.response_action !== "push" || pushed.view?.callback_id !== "reset_confirm") {
    throw new Error(`"Next" did not push the confirmation: ${next.body.slice(0, 300)}`);
  }
  return pushed.view;
}

/** "Reset and lock" on the confirmation of reset `i` (its own view id, channel, owner and device). */
function confirmBody(template: Record<string, unknown>, i: number, channels: number): SignedRequest {
  const meta = JSON.parse(String(template.private_metadata ?? "{}")) as Record<string, unknown>;
  const view = {
    ...template,
    id: `VE2E${String(i).padStart(6, "0")}`,
    hash: `${Date.now()}.e2e${i}`,
    private_metadata: JSON.stringify({
      ...meta,
      c: CHANNEL(i % channels),
      o: owner(i),
      d: deviceOf(i),
      n: false,
    }),
    state: { values: {} },
  };
  const payload = {
    type: "view_submission",
    team: TEAM,
    user: { id: ADMIN.id, username: ADMIN.name, name: ADMIN.name, team_id: TEAM.id },
    api_app_id: "A0LATCHKEY",
    token: "legacy-verification-token",
    trigger_id: `${Date.now()}.e2e.${i}`,
    view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return sign(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

function post(url: string, signed: SignedRequest, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((ok) => {
    const req = request(url, {
      method: "POST",
      agent,
      headers: { ...signed.headers, "content-length": Buffer.byteLength(signed.body) },
    });
    req.setTimeout(30_000, () => req.destroy(new Error("timed out")));
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", (err) => ok({ status: 0, body: err.message }));
    req.end(signed.body);
  });
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Until the fake Slack API has had no call for `quietMs` (or the deadline passed). */
async function slackQuiet(fake: E2eSlack, quietMs: number, deadline: number): Promise<void> {
  let last = await fake.last();
  while (Date.now() < deadline) {
    await sleep(quietMs);
    const now = await fake.last();
    if (now.calls === last.calls) return;
    last = now;
  }
}

// ---- analysis -----------------------------------------------------------------------------------

const SEGMENTS: [string, string, string, number][] = [
  // label, from event (or "confirm"), to event, device pauses inside
  ["confirmation → request created (ack, authorization, capability, transaction)", "confirm", "requested", 0],
  ["request created → pushed to the device", "requested", "pushed", 0],
  [
    "pushed → device reports received (fetch of the command; 1 device pause subtracted)",
    "pushed",
    "received",
    1,
  ],
  ["received → passcode reset (1 device pause subtracted)", "received", "passcode_reset", 1],
  ["passcode reset → locked (1 device pause subtracted)", "passcode_reset", "locked", 1],
  ["locked → completed (passcode by email and Slack DM)", "locked", "completed", 0],
];

function analyse(o: {
  s: Settings;
  database: E2eDatabase;
  pacing: E2ePacing;
  requests: { id: string; deviceId: string; state: string; events: { type: string; at: number }[] }[];
  sentAt: Map<string, number>;
  began: number;
  summary: SlackSummary;
  accepted: number;
  refused: number;
  acceptedInMs: number;
  ackMs: number[];
  cpuMs: number;
  timedOut: boolean;
}): E2eRun {
  const { s, requests, sentAt, began, summary } = o;
  const pause = s.e2eDeviceDelayMs;
  const measured = requests.filter((r) => sentAt.has(r.deviceId));
  const first = (r: (typeof requests)[number], type: string) => r.events.find((e) => e.type === type)?.at;
  const segments: Record<string, number[]> = {};
  const confirmToLockedMs: number[] = [];
  let lockedLast = 0;
  let completedLast = 0;
  let locked = 0;
  let completed = 0;
  for (const r of measured) {
    const confirm = sentAt.get(r.deviceId) as number;
    const at = (type: string) => (type === "confirm" ? confirm : first(r, type));
    for (const [label, from, to, pauses] of SEGMENTS) {
      const a = at(from);
      const b = at(to);
      if (a === undefined || b === undefined) continue;
      const list = segments[label] ?? [];
      list.push(b - a - pauses * pause);
      segments[label] = list;
    }
    const lockedAt = first(r, "locked");
    if (lockedAt !== undefined) {
      locked++;
      lockedLast = Math.max(lockedLast, lockedAt);
      // The phone pauses three times before it reports "locked" (after fetching, after received, after the reset).
      confirmToLockedMs.push(lockedAt - confirm - 3 * pause);
    }
    const completedAt = first(r, "completed");
    if (completedAt !== undefined) {
      completed++;
      completedLast = Math.max(completedLast, completedAt);
    }
  }
  // Slack: when each request was first shown locked, and the rates per channel.
  const byRequest = new Map(measured.map((r) => [r.id, sentAt.get(r.deviceId) as number]));
  const shownLocked = new Map<string, number>();
  for (const c of summary.messageCalls) {
    if (!c.locked || !c.requestId || !byRequest.has(c.requestId)) continue;
    shownLocked.set(c.requestId, Math.min(shownLocked.get(c.requestId) ?? Infinity, c.at));
  }
  const confirmToSlackLockedMs = [...shownLocked].map(([id, at]) => at - (byRequest.get(id) as number));
  const events = measured.reduce((t, r) => t + r.events.length, 0);
  return {
    database: o.database,
    pacing: o.pacing,
    resets: s.e2eResets,
    channels: s.e2eChannels,
    deviceDelayMs: pause,
    accepted: o.accepted,
    refused: o.refused,
    acceptedInMs: o.acceptedInMs,
    lockedInMs: lockedLast - began,
    completedInMs: completedLast - began,
    locked,
    completed,
    confirmToLockedMs,
    segments,
    confirmToSlackLockedMs,
    ackMs: o.ackMs,
    slackCounts: summary.counts,
    slackErrors: summary.errors,
    rates: rates(summary.messageCalls, s.e2eResets, events / Math.max(1, measured.length)),
    cpuMsPerReset: o.cpuMs / Math.max(1, measured.length),
    slackDrainMs: Math.max(0, summary.lastCallAt - lockedLast),
    timedOut: o.timedOut,
  };
}

/** Most events of `times` (sorted) inside any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let from = 0;
  for (let to = 0; to < times.length; to++) {
    while ((times[to] as number) - (times[from] as number) >= windowMs) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

function rates(calls: MessageCall[], resets: number, eventsPerReset: number): ChannelRates {
  const channelCalls = calls.filter((c) => c.channel.startsWith("C"));
  const per = (method: MessageCall["method"]) => {
    const by = new Map<string, number[]>();
    for (const c of channelCalls)
      if (c.method === method) (by.get(c.channel) ?? by.set(c.channel, []).get(c.channel))?.push(c.at);
    return [...by.values()].map((t) => t.sort((a, b) => a - b));
  };
  const posts = per("chat.postMessage");
  const updates = per("chat.update");
  let minGap = Infinity;
  for (const t of posts)
    for (let i = 1; i < t.length; i++) minGap = Math.min(minGap, (t[i] as number) - (t[i - 1] as number));
  const allUpdates = calls
    .filter((c) => c.method === "chat.update")
    .map((c) => c.at)
    .sort((a, b) => a - b);
  return {
    postPerSecMax: Math.max(0, ...posts.map((t) => maxInWindow(t, 1000))),
    postMinGapMs: minGap,
    updatePerSecMax: Math.max(0, ...updates.map((t) => maxInWindow(t, 1000))),
    updatePerMinAppMax: maxInWindow(allUpdates, 60_000),
    channelMessagesPerReset: channelCalls.length / Math.max(1, resets),
    eventsPerReset,
  };
}

// ---- tables -------------------------------------------------------------------------------------

const ms = (v: number) =>
  !Number.isFinite(v) ? "–" : v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v).toLocaleString("en")} ms`;
const perSec = (count: number, inMs: number) => (inMs > 0 ? (count / (inMs / 1000)).toFixed(1) : "–");
const dist = (values: number[]) =>
  values.length === 0 ? "–" : `${ms(median(values))} / ${ms(percentile(values, 0.99))}`;

export function e2eTables(bench: E2eBenchmark, s: Settings): string {
  const runs = bench.runs;
  const head = (r: E2eRun) => `${r.database}, Slack pacing ${r.pacing === "off" ? "off" : "as shipped"}`;
  const row = (label: string, f: (r: E2eRun) => string) => `| ${label} | ${runs.map(f).join(" | ")} |`;
  const methods = [...new Set(runs.flatMap((r) => Object.keys(r.slackCounts)))].sort();
  const out = [
    `| ${s.e2eResets} resets, ${s.e2eChannels} channels, phone pause ${s.e2eDeviceDelayMs} ms | ${runs.map(head).join(" | ")} |`,
    `| --- | ${runs.map(() => "---:").join(" | ")} |`,
    row("confirmations accepted (refused)", (r) => `${r.accepted} (${r.refused})`),
    row("accepted per second", (r) => perSec(r.accepted, r.acceptedInMs)),
    row("confirmation ack, median / p99", (r) => dist(r.ackMs)),
    row(
      "**locked per second** (all locked after)",
      (r) => `**${perSec(r.locked, r.lockedInMs)}** (${ms(r.lockedInMs)})`,
    ),
    row(
      "**completed per second** (completed / all, after)",
      (r) =>
        `**${perSec(r.completed, r.completedInMs)}** (${r.completed}/${r.resets}, ${ms(r.completedInMs)})`,
    ),
    row(
      "**confirmation → locked**, median / p99 (phone's pauses excluded)",
      (r) => `**${dist(r.confirmToLockedMs)}**`,
    ),
    ...SEGMENTS.map(([label]) => row(`&nbsp;&nbsp;${label}`, (r) => dist(r.segments[label] ?? []))),
    row(
      "confirmation → Slack shows it locked, median / p99 (shown / all)",
      (r) => `${dist(r.confirmToSlackLockedMs)} (${r.confirmToSlackLockedMs.length}/${r.resets})`,
    ),
    row("Slack still written to after the last lock", (r) => ms(r.slackDrainMs)),
    row(
      "**Web API calls per reset** (all)",
      (r) => `**${(Object.values(r.slackCounts).reduce((a, b) => a + b, 0) / r.resets).toFixed(2)}**`,
    ),
    ...methods.map((m) => row(`&nbsp;&nbsp;${m}`, (r) => ((r.slackCounts[m] ?? 0) / r.resets).toFixed(2))),
    row("Web API errors", (r) => String(r.slackErrors)),
    row(
      "channel messages (posts + edits) per reset, vs timeline events per reset",
      (r) => `${r.rates.channelMessagesPerReset.toFixed(2)} vs ${r.rates.eventsPerReset.toFixed(1)}`,
    ),
    row(
      "busiest channel: chat.postMessage in any 1 s (shortest gap)",
      (r) => `${r.rates.postPerSecMax} (${ms(r.rates.postMinGapMs)})`,
    ),
    row("busiest channel: chat.update in any 1 s", (r) => String(r.rates.updatePerSecMax)),
    row("chat.update app-wide in any 60 s (Slack Tier 3: ~50)", (r) => String(r.rates.updatePerMinAppMax)),
    row("Latchkey CPU per reset (simulated phones included)", (r) => ms(r.cpuMsPerReset)),
  ];
  if (runs.some((r) => r.timedOut))
    out.push("", "A run hit its time limit: its figures cover what had finished by then.");
  if (bench.skipped.length > 0) out.push("", `Not run: ${bench.skipped.join("; ")}.`);
  return out.join("\n");
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
