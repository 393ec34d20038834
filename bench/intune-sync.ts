// Benchmark 7 (issue 17, section 3), the Intune inventory sync at fleet scale: 100,000 managed
// devices served by the local HTTPS Entra/Graph stand-in (test/support/fake-graph.ts, in this
// process) in pages of Graph's size, synced by the real `latchkey sync intune` CLI as a child
// process (real msal-node token, real Graph client trusting the stand-in's CA through
// NODE_EXTRA_CA_CERTS, the embedded SQLite database and, when TEST_POSTGRES_URL answers,
// PostgreSQL). Three syncs on a fresh database: the first (everything new), a second with nothing
// changed (the database must show no device or person row written and exactly one new audit row,
// `inventory.sync`), a third after ~1 % of devices changed (a tenth of those given to a new user)
// and ~0.5 % removed (retired). Measured: each sync's wall time, and the child's peak RSS (VmHWM,
// read from /proc every 100 ms) at 10,000 and at 100,000 devices: streamed page by page and written
// a page per transaction, memory should stay flat (peak at 100k within ~1.5× of 10k).
// Targets: the first sync of 100,000 under 2 minutes, memory flat; reported, never thrown. Wrong
// counts, a failed sync or a database that does not hold what the sync said throw.
// Alone: `node --import tsx bench/intune-sync.ts [--ci]` prints the tables.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DbKind } from "../src/adapters/db/open-database.ts";
import { postgresAvailable, postgresTarget, sqliteTarget } from "../test/support/databases.ts";
import { type FakeGraph, startFakeGraph } from "../test/support/fake-graph.ts";
import { type CliRun, type DbState, dbState, runCli, type SyncCounts } from "./lib/intune-cli.ts";
import { churn, fleet, usersFor } from "./lib/intune-fleet.ts";
import { machineLine } from "./lib/report.ts";
import { CI, FULL, type Settings } from "./settings.ts";

/**
 * Graph's page for deviceManagement/managedDevices: 1,000 devices. Microsoft documents no page size
 * for this collection; a Microsoft Graph engineer answered in microsoftgraph/powershell-intune-samples
 * issue #2 (2017, "Size limit on number of objects returned? (managed devices)") that "there's a
 * default limit of 1000 items in the response" with @odata.nextLink for the rest, and the same 1,000
 * is reported in microsoft/Intune-PowerShell-SDK issue #53 and powershell-intune-samples #30 and #87.
 */
export const GRAPH_PAGE_SIZE = 1000;

/** Issue 17's targets. */
export const FIRST_SYNC_TARGET_MS = 120_000;
export const MEMORY_FLAT_RATIO = 1.5;

export type SyncPhase = "first" | "unchanged" | "changed";

export interface SyncRow {
  phase: SyncPhase;
  wallMs: number;
  peakRssKiB: number;
  counts: SyncCounts;
  /** Collection pages Graph served during the sync: v1.0 and beta. */
  pages: { v1: number; beta: number };
  /** Rows the sync wrote, read from the database: devices and people updated or created after the sync before it. */
  written: { devices: number; people: number; audits: number };
  /** Lines the CLI wrote to stderr (LOG_LEVEL=warn): warnings. */
  warnings: string[];
}

export interface IntuneRun {
  db: DbKind;
  devices: number;
  users: number;
  /** The V8 old-space cap given to the CLI (NODE_OPTIONS=--max-old-space-size), MiB; null: Node's default. */
  heapCapMiB: number | null;
  syncs: SyncRow[];
}

export interface IntunePlan {
  sizes: number[];
  databases: DbKind[];
  pageSize: number;
  /**
   * Also a first sync at each size with the CLI's V8 heap capped at this many MiB (null: not run):
   * whether what grows with the fleet is live memory or garbage V8 has not yet collected.
   */
  heapCapMiB: number | null;
}

export interface IntuneBenchmark {
  plan: IntunePlan;
  /** `latchkey help`: the CLI's start-up alone (loading its modules), for scale. */
  startup: { wallMs: number; peakRssKiB: number };
  runs: IntuneRun[];
}

export async function intunePlan(s: Settings): Promise<IntunePlan> {
  const postgres = s.intunePostgres && (await postgresAvailable());
  return {
    sizes: s.intuneDevices,
    databases: postgres ? ["sqlite", "postgresql"] : ["sqlite"],
    pageSize: GRAPH_PAGE_SIZE,
    heapCapMiB: s.intuneHeapCapMiB,
  };
}

function check(what: string, actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function syncFailed(run: CliRun): Error {
  const tail = `${run.stdout}\n${run.stderr}`.trim().split("\n").slice(-10).join("\n");
  return new Error(`latchkey sync intune exited with ${run.code}:\n${tail}`);
}

/** The CLI's log lines (JSON, LOG_LEVEL=warn) as their messages, msal's date and correlation id cut. */
export function warningsOf(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      try {
        const msg = String((JSON.parse(l) as { msg?: unknown }).msg ?? l);
        return msg.replace(/^\[[^\]]*\] : \[[^\]]*\] : /, "");
      } catch {
        return l;
      }
    });
}

const listedPages = (graph: FakeGraph, from: number) => {
  const pages = { v1: 0, beta: 0 };
  for (const r of graph.requests.slice(from)) {
    if (r.method !== "GET") continue;
    if (r.path === "/v1.0/deviceManagement/managedDevices") pages.v1++;
    if (r.path === "/beta/deviceManagement/managedDevices") pages.beta++;
  }
  return pages;
};

/**
 * One database, one fleet size: three syncs, each checked against the fleet and the database (with
 * `heapCapMiB`, only the first, the CLI's V8 old space capped).
 */
export async function runIntuneSyncs(
  kind: DbKind,
  size: number,
  pageSize: number,
  heapCapMiB: number | null,
  log: (line: string) => void,
): Promise<IntuneRun> {
  const { devices, expect } = fleet(size);
  const graph = await startFakeGraph({ pageSize });
  graph.addDevices(devices.map((d) => d.device));
  const dataDir = mkdtempSync(join(tmpdir(), "latchkey-bench-intune-"));
  const database = await (kind === "sqlite" ? sqliteTarget : postgresTarget).fresh();
  // What an operator's shell would give the CLI: no CI, no test settings, the data dir and database.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    LOG_LEVEL: "warn",
    PORT: "1",
    ...graph.env(),
    NODE_EXTRA_CA_CERTS: graph.caPath,
    // On PostgreSQL the passcode key is the operator's to give (the embedded default makes one in DATA_DIR).
    ...(kind === "postgresql" ? { PASSCODE_KEY: randomBytes(32).toString("hex") } : {}),
    ...(heapCapMiB === null ? {} : { NODE_OPTIONS: `--max-old-space-size=${heapCapMiB}` }),
  };
  const label = `${kind} ${size}${heapCapMiB === null ? "" : ` (heap capped at ${heapCapMiB} MiB)`}`;
  const syncs: SyncRow[] = [];
  try {
    let before: DbState | null = null;
    const sync = async (phase: SyncPhase, want: SyncCounts): Promise<DbState> => {
      const from = graph.requests.length;
      log(`intune: ${label}, ${phase} sync`);
      const run = await runCli(["sync", "intune"], env);
      if (run.code !== 0 || !run.counts) throw syncFailed(run);
      check(`${label} ${phase} sync: counts`, run.counts, want);
      const after = await dbState(database.url, {
        devices: before?.deviceUpdatedMax ?? null,
        people: before?.personUpdatedMax ?? null,
      });
      const row: SyncRow = {
        phase,
        wallMs: run.wallMs,
        peakRssKiB: run.peakRssKiB,
        counts: run.counts,
        pages: listedPages(graph, from),
        written: {
          devices:
            before === null
              ? after.devices
              : after.devicesUpdatedSince + (after.retiredDevices - before.retiredDevices),
          people: before === null ? after.people : after.peopleUpdatedSince,
          audits: after.audits - (before?.audits ?? 0),
        },
        warnings: warningsOf(run.stderr),
      };
      syncs.push(row);
      log(
        `intune: ${phase} sync in ${(run.wallMs / 1000).toFixed(1)} s, peak RSS ${(run.peakRssKiB / 1024).toFixed(0)} MiB, ` +
          `${row.pages.v1} + ${row.pages.beta} pages, wrote ${row.written.devices} devices, ${row.written.people} people, ${row.written.audits} audit rows`,
      );
      // Each page of both passes was read exactly once (one page even when empty).
      const pages = Math.max(1, Math.ceil(graph.devices.size / pageSize));
      check(`${label} ${phase} sync: Graph pages (v1.0, beta)`, row.pages, { v1: pages, beta: pages });
      check(`${label} ${phase} sync: audit rows written`, row.written.audits, 1);
      return after;
    };

    // 1. Everything new.
    before = null;
    let state = await sync("first", {
      added: expect.devices,
      updated: 0,
      unchanged: 0,
      retired: 0,
      people: expect.people,
      skipped: expect.skipped,
    });
    check(
      `${label} first sync: devices, people in the database`,
      [state.devices, state.people],
      [expect.devices, expect.people],
    );
    check(`${label} first sync: its audit row`, state.syncAudits, { ok: 1, failed: 0 });
    if (heapCapMiB !== null) return { db: kind, devices: size, users: usersFor(size), heapCapMiB, syncs };

    // 2. Nothing changed: nothing but the audit row is written.
    before = state;
    state = await sync("unchanged", {
      added: 0,
      updated: 0,
      unchanged: expect.devices,
      retired: 0,
      people: 0,
      skipped: expect.skipped,
    });
    check(
      `${label} unchanged sync: device and person rows (count, latest updatedAt)`,
      [state.devices, state.people, state.deviceUpdatedMax, state.personUpdatedMax, state.retiredDevices],
      [before.devices, before.people, before.deviceUpdatedMax, before.personUpdatedMax, 0],
    );
    check(`${label} unchanged sync: written`, syncs.at(-1)?.written, {
      devices: 0,
      people: 0,
      audits: 1,
    });
    check(`${label} unchanged sync: audit rows`, state.syncAudits, { ok: 2, failed: 0 });

    // 3. About 1 % changed, 0.5 % gone.
    const c = churn(devices);
    for (const d of c.changed) graph.updateDevice(d.id, d.fields);
    for (const id of c.removed) graph.removeDevice(id);
    before = state;
    state = await sync("changed", {
      added: 0,
      updated: c.expect.updated,
      unchanged: c.expect.unchanged,
      retired: c.expect.retired,
      people: c.expect.people,
      skipped: c.expect.skipped,
    });
    check(
      `${label} changed sync: devices, retired, updated, people in the database`,
      [state.devices, state.retiredDevices, state.devicesUpdatedSince, state.people],
      [before.devices, c.expect.retired, c.expect.updated, before.people + c.expect.people],
    );
    check(`${label} changed sync: audit rows`, state.syncAudits, { ok: 3, failed: 0 });
    return { db: kind, devices: size, users: usersFor(size), heapCapMiB, syncs };
  } finally {
    await graph.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runIntune(plan: IntunePlan, log: (line: string) => void): Promise<IntuneBenchmark> {
  // Once untimed, so that tsx's compile cache is warm for every measured run; then timed.
  const help = await runCli(["help"], { PATH: process.env.PATH ?? "" });
  if (help.code !== 0) throw syncFailed(help);
  const timed = await runCli(["help"], { PATH: process.env.PATH ?? "" });
  const runs: IntuneRun[] = [];
  for (const db of plan.databases) {
    for (const size of plan.sizes) runs.push(await runIntuneSyncs(db, size, plan.pageSize, null, log));
    if (plan.heapCapMiB === null) continue;
    for (const size of plan.sizes)
      runs.push(await runIntuneSyncs(db, size, plan.pageSize, plan.heapCapMiB, log));
  }
  return { plan, startup: { wallMs: timed.wallMs, peakRssKiB: timed.peakRssKiB }, runs };
}

export async function runIntuneBenchmark(s: Settings, log: (line: string) => void): Promise<IntuneBenchmark> {
  return runIntune(await intunePlan(s), log);
}

// ---- report -------------------------------------------------------------------------------------

const n = (v: number) => v.toLocaleString("en");
const secs = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`);
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const DB_NAME: Record<DbKind, string> = { sqlite: "embedded SQLite", postgresql: "PostgreSQL" };
const PHASE: Record<SyncPhase, string> = {
  first: "first (all new)",
  unchanged: "second (nothing changed)",
  changed: "third (~1 % changed, 0.5 % gone)",
};

function countsText(c: SyncCounts): string {
  return `${n(c.added)} added, ${n(c.updated)} updated, ${n(c.unchanged)} unchanged, ${n(c.retired)} retired, ${n(c.people)} people, ${n(c.skipped)} skipped`;
}

export const peakOf = (r: IntuneRun) => Math.max(...r.syncs.map((x) => x.peakRssKiB));

/**
 * Per database: the peak RSS of the largest fleet over the smallest's, over every sync of each;
 * of the runs on Node's default heap (`heapCapMiB` null), or of those with the heap capped.
 */
export function memoryRatios(
  b: IntuneBenchmark,
  heapCapMiB: number | null = null,
): { db: DbKind; small: IntuneRun; large: IntuneRun; ratio: number }[] {
  const out: { db: DbKind; small: IntuneRun; large: IntuneRun; ratio: number }[] = [];
  for (const db of b.plan.databases) {
    const runs = b.runs
      .filter((r) => r.db === db && r.heapCapMiB === heapCapMiB)
      .sort((x, y) => x.devices - y.devices);
    const small = runs[0];
    const large = runs.at(-1);
    if (!small || !large || small === large) continue;
    out.push({ db, small, large, ratio: peakOf(large) / peakOf(small) });
  }
  return out;
}

export function intuneTables(b: IntuneBenchmark, s: Settings): string {
  const largest = Math.max(...b.plan.sizes);
  const lines: string[] = [
    `The local HTTPS Entra/Graph stand-in (test/support/fake-graph.ts) in the benchmark process serves ` +
      `${b.plan.sizes.map(n).join(" and ")} managed devices in pages of ${n(b.plan.pageSize)} (Graph's managedDevices page), ` +
      "both the v1.0 collection and the beta one the sync joins for `deviceType`. The fleet: Android Enterprise " +
      "fully managed 30 %, corporate work profile 10 %, personal work profile 10 %, dedicated 4.5 %, device " +
      "administrator 1.5 %, AOSP 0.5 %; iPhone 23 %, iPad 6 %, Mac 5 %, Windows 8.5 %; Linux 1 % (skipped); " +
      `about 8 % with no user; one user per two devices (${n(usersFor(largest))} at ${n(largest)}). ` +
      "Each sync is the real `latchkey sync intune` (`node --import tsx src/cli/main.ts`, a new process; real " +
      "msal-node token and Graph client, NODE_EXTRA_CA_CERTS) on a fresh database; wall time from spawn to exit, " +
      "peak RSS the child's VmHWM (read every 100 ms). The counts are checked against the fleet, and what the " +
      "sync wrote against the database: devices and people with a newer `updatedAt` (plus devices newly retired), " +
      "audit rows added.",
    "",
    `\`latchkey help\` (loading the CLI's modules, no database) takes ${secs(b.startup.wallMs)} and peaks at ${mib(b.startup.peakRssKiB)}: part of every sync below.`,
    "",
    "| Database | Devices | Sync | Wall time | Peak RSS | Graph pages (v1.0 + beta) | Rows written (devices / people / audit) | Counts printed |",
    "|---|--:|---|--:|--:|--:|--:|---|",
  ];
  for (const r of b.runs) {
    for (const x of r.syncs) {
      lines.push(
        `| ${[
          DB_NAME[r.db],
          n(r.devices),
          r.heapCapMiB === null ? PHASE[x.phase] : `${PHASE[x.phase]}, V8 heap capped at ${r.heapCapMiB} MiB`,
          secs(x.wallMs),
          mib(x.peakRssKiB),
          `${x.pages.v1} + ${x.pages.beta}`,
          `${n(x.written.devices)} / ${n(x.written.people)} / ${x.written.audits}`,
          countsText(x.counts),
        ].join(" | ")} |`,
      );
    }
  }
  lines.push("");
  const targets: string[] = [];
  for (const r of b.runs.filter((x) => x.devices === largest && x.heapCapMiB === null)) {
    const first = r.syncs.find((x) => x.phase === "first");
    const same = r.syncs.find((x) => x.phase === "unchanged");
    if (!first || !same) continue;
    const met = first.wallMs < FIRST_SYNC_TARGET_MS ? "met" : "**not met**";
    targets.push(
      `- ${DB_NAME[r.db]}: the first sync of ${n(r.devices)} devices took ${secs(first.wallMs)} (target < 2 min: ${met}); ` +
        `the unchanged one ${secs(same.wallMs)}, writing no device or person row and one audit row (checked in the database).`,
    );
  }
  for (const m of memoryRatios(b)) {
    const met = m.ratio <= MEMORY_FLAT_RATIO ? "met" : "**not met**";
    targets.push(
      `- ${DB_NAME[m.db]}: peak RSS ${mib(peakOf(m.small))} at ${n(m.small.devices)} devices, ${mib(peakOf(m.large))} at ` +
        `${n(m.large.devices)} (${m.ratio.toFixed(2)}×; target memory flat, ≤ ${MEMORY_FLAT_RATIO}×: ${met}).`,
    );
  }
  const cap = b.plan.heapCapMiB;
  for (const m of cap === null ? [] : memoryRatios(b, cap)) {
    const large = b.runs.find((r) => r.db === m.db && r.devices === m.large.devices && r.heapCapMiB === null);
    const first = large?.syncs.find((x) => x.phase === "first");
    const capped = m.large.syncs[0];
    const slower = first && capped ? ` (and took ${secs(capped.wallMs)} against ${secs(first.wallMs)})` : "";
    targets.push(
      `- ${DB_NAME[m.db]}, the first sync with the CLI's V8 old space capped at ${cap} MiB ` +
        `(\`NODE_OPTIONS=--max-old-space-size=${cap}\`): peak RSS ${mib(peakOf(m.small))} at ${n(m.small.devices)} devices, ` +
        `${mib(peakOf(m.large))} at ${n(m.large.devices)} (${m.ratio.toFixed(2)}×)${slower}. ` +
        (m.ratio <= MEMORY_FLAT_RATIO
          ? "What the uncapped run adds at the larger fleet is garbage V8 had not yet collected, not memory the sync holds."
          : "Even so it grows with the fleet: the sync holds memory per device."),
    );
  }
  const syncs = b.runs.flatMap((r) => r.syncs);
  const warned = new Map<string, number>();
  for (const x of syncs) for (const w of new Set(x.warnings)) warned.set(w, (warned.get(w) ?? 0) + 1);
  for (const [w, count] of warned)
    targets.push(
      `- Logged at warn or above in ${count} of ${syncs.length} syncs: \`${w.replaceAll("`", "'")}\`.`,
    );
  if (s.ci) targets.push("- Short CI run: the numbers prove the benchmark runs, nothing more.");
  return [...lines, ...targets, ""].join("\n");
}

// ---- run alone ----------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const settings = process.argv.includes("--ci") ? CI : FULL;
  const began = performance.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const log = (line: string) =>
    process.stderr.write(
      `[intune ${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}\n`,
    );
  const result = await runIntuneBenchmark(settings, log);
  process.stdout.write(
    [
      "## 7. Intune inventory sync",
      "",
      machineLine(settings, { start: loadAtStart, end: loadavg()[0] ?? 0 }),
      "",
      intuneTables(result, settings),
    ].join("\n"),
  );
  process.stderr.write(`done in ${((performance.now() - began) / 1000).toFixed(0)} s\n`);
}
