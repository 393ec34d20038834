// `npm run bench`: every benchmark of issue 6, results in bench/results.md (and the summary in
// docs/performance.md). `npm run bench:ci` (`--ci`): the same, short, to prove they still run; it writes its
// tables to a temporary file and fails only when a benchmark cannot run, never on the numbers.
// `--only=ack,teams,e2e,fleet,hostile,intune` runs some sections and keeps the others' last results in
// results.md (each section sits between markers); `--skip=startup,profile` leaves parts of the
// Slack section out; `--profiles-dir=DIR` keeps the CPU profiles (open them in Chrome DevTools).
// To see why something failed: BENCH_LOG_LEVEL=warn sets the end-to-end server's log level and
// BENCH_OUT=FILE appends every server's standard output (its JSON log) to FILE.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AckBenchmark, runAckBenchmark } from "./ack.ts";
import { e2eTables, runE2eBenchmark } from "./e2e.ts";
import { fleetTables, runFleetBenchmark } from "./fleet.ts";
import { hostileTable, runHostileBenchmark } from "./hostile-input.ts";
import { intuneTables, runIntuneBenchmark } from "./intune-sync.ts";
import { startFakeSlackProcess } from "./lib/fake-slack.ts";
import { ackTables, machineLine, memoryTable, profileTables, startupTable } from "./lib/report.ts";
import { type ProfileResult, runProfiles } from "./profile.ts";
import { CI, FULL } from "./settings.ts";
import { runStartupBenchmark, type StartupVariant } from "./startup.ts";
import { runTeamsBenchmark, teamsTables } from "./teams-ack.ts";

const SECTIONS = ["ack", "teams", "e2e", "fleet", "footprint", "hostile", "intune"] as const;
type Section = (typeof SECTIONS)[number];

const args = process.argv.slice(2);
const settings = args.includes("--ci") ? CI : FULL;
const keepProfiles = args.find((a) => a.startsWith("--profiles-dir="))?.slice(15);
const skip = new Set((args.find((a) => a.startsWith("--skip="))?.slice(7) ?? "").split(","));
const onlyArg = args.find((a) => a.startsWith("--only="))?.slice(7);
const only = new Set<Section>(onlyArg ? (onlyArg.split(",") as Section[]) : SECTIONS);
for (const name of only) if (!SECTIONS.includes(name)) throw new Error(`--only: no section "${name}"`);
// Footprint reads the memory the Slack benchmark's targets used: it runs with it.
if (only.has("ack")) only.add("footprint");
const began = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const log = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
const s = settings;
const fresh = new Map<Section, string>();

if (only.has("ack")) {
  const fake = await startFakeSlackProcess(s.quietMs);
  let startup: StartupVariant[] = [];
  let ack: AckBenchmark;
  let profiles: ProfileResult[] = [];
  try {
    if (!skip.has("startup")) startup = await runStartupBenchmark(s, fake, log);
    ack = await runAckBenchmark(s, fake, log);
    for (const r of ack.results) {
      const answered = r.fixed.reduce((n, f) => n + f.latenciesMs.length, 0);
      if (answered === 0 || r.saturation.every((x) => x.throughput === 0)) {
        throw new Error(`${r.target} answered no ${r.kind} with 200: the benchmark could not run`);
      }
    }
    if (!skip.has("profile")) profiles = await runProfiles(s, fake, ack.submission, log, keepProfiles);
  } finally {
    await fake.close();
  }
  fresh.set("ack", ackSection(ack, profiles));
  fresh.set("footprint", footprintSection(ack, startup));
}
if (only.has("teams")) {
  const teams = await runTeamsBenchmark(s, log, { profile: !skip.has("profile") });
  fresh.set("teams", ["## 2. Teams acknowledgement", "", teamsTables(teams, s)].join("\n"));
}
if (only.has("e2e")) {
  const e2e = await runE2eBenchmark(s, log);
  fresh.set("e2e", ["## 3. End to end", "", e2eTables(e2e, s)].join("\n"));
}
if (only.has("fleet")) {
  const fleet = await runFleetBenchmark(s, log);
  fresh.set("fleet", ["## 4. Fleet scale", "", fleetTables(fleet, s)].join("\n"));
}
if (only.has("hostile")) {
  const rows = await runHostileBenchmark(s, log);
  fresh.set("hostile", ["## 6. Hostile input", "", hostileTable(rows, s)].join("\n"));
}
if (only.has("intune")) {
  const intune = await runIntuneBenchmark(s, log);
  fresh.set("intune", ["## 7. Intune inventory sync", "", intuneTables(intune, s)].join("\n"));
}

function ackSection(ack: AckBenchmark, profiles: ProfileResult[]): string {
  return [
    "## 1. Slack acknowledgement",
    "",
    `Correctly signed requests to \`POST /slack/events\` (a new body, trigger id and signature per request). ` +
      `Fixed rate: ${s.rate} requests/s for ${s.fixedSec} s, latency counted from when each request was due ` +
      `(open loop). Saturation: autocannon, ${s.connections} connections, ${s.saturateSec} s. ` +
      `${s.runs} runs of each, alternating between targets; medians over runs. A request answered ` +
      "other than 200 (Bolt answers 404 when no ack came within 3 s) or not at all counts as infinitely slow. " +
      "node:http's throughput is the load generator's limit, not the server's: its profile below shows its real cost.",
    "",
    ackTables(ack, s),
    ...(profiles.length > 0
      ? [
          "### Where the CPU goes (node --cpu-prof)",
          "",
          "Samples charged to the innermost package frame (native and node-internal frames to their caller), " +
            "divided by the requests answered; for Latchkey the window runs until the modals behind the commands' acks were opened.",
          "",
          profileTables(profiles),
        ]
      : []),
  ].join("\n");
}

function footprintSection(ack: AckBenchmark, startup: StartupVariant[]): string {
  return [
    "## 5. Footprint",
    "",
    "Each start is a new child process (`node --import tsx`, as `npm start` runs) timed from spawn to the first " +
      "200 on `/healthz`; idle RSS is read from /proc once it has been up a while.",
    "",
    ...(startup.length > 0 ? [startupTable(startup), ""] : []),
    memoryTable(ack),
    "",
  ].join("\n");
}

// results.md: the header, then each section between its markers; sections not run this time keep
// what the last run wrote.
const out = s.ci
  ? join(tmpdir(), "latchkey-bench-ci-results.md")
  : fileURLToPath(new URL("results.md", import.meta.url));
const previous = !s.ci && existsSync(out) ? readFileSync(out, "utf8") : "";
const kept = (name: Section) =>
  previous.match(new RegExp(`<!-- bench:${name} -->\\n([\\s\\S]*?)\\n<!-- /bench:${name} -->`))?.[1];
const header = [
  "# Benchmark results",
  "",
  `Written by \`npm run bench\` (bench/run.ts); this run: ${[...fresh.keys()].join(", ")}. ` +
    machineLine(s, { start: loadAtStart, end: loadavg()[0] ?? 0 }),
  "",
  "Sections not run this time keep their last results (each says when and at which commit it was measured).",
  "",
];
const stamp = (body: string) =>
  `${body}\n\n_Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")}Z; ${machineLine(s, { start: loadAtStart, end: loadavg()[0] ?? 0 })}_`;
const markdown = [
  ...header,
  ...SECTIONS.flatMap((name) => {
    const body = fresh.has(name) ? stamp(fresh.get(name) ?? "") : kept(name);
    return body ? [`<!-- bench:${name} -->`, body, `<!-- /bench:${name} -->`, ""] : [];
  }),
].join("\n");
writeFileSync(out, markdown);
process.stdout.write(
  `${markdown}\nWritten to ${out} in ${((performance.now() - began) / 1000).toFixed(0)} s\n`,
);
