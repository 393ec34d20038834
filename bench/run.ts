// `npm run bench`: benchmark 1 (Slack acknowledgement, with CPU profiles) and benchmark 5
// (footprint), results in bench/results.md. `npm run bench:ci` (`--ci`): the same, short, to prove
// they still run; it writes its tables to a temporary file and fails only when a benchmark cannot
// run, never on the numbers. `--skip=startup,profile` leaves parts out; `--profiles-dir=DIR` keeps
// the CPU profiles (open them in Chrome DevTools).
import { writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AckBenchmark, runAckBenchmark } from "./ack.ts";
import { startFakeSlackProcess } from "./lib/fake-slack.ts";
import { ackTables, machineLine, memoryTable, profileTables, startupTable } from "./lib/report.ts";
import { type ProfileResult, runProfiles } from "./profile.ts";
import { CI, FULL } from "./settings.ts";
import { runStartupBenchmark, type StartupVariant } from "./startup.ts";

const args = process.argv.slice(2);
const settings = args.includes("--ci") ? CI : FULL;
const keepProfiles = args.find((a) => a.startsWith("--profiles-dir="))?.slice(15);
const skip = new Set((args.find((a) => a.startsWith("--skip="))?.slice(7) ?? "").split(","));
const began = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const log = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);

const fake = await startFakeSlackProcess(settings.quietMs);
let startup: StartupVariant[] = [];
let ack: AckBenchmark;
let profiles: ProfileResult[] = [];
try {
  if (!skip.has("startup")) startup = await runStartupBenchmark(settings, fake, log);
  ack = await runAckBenchmark(settings, fake, log);
  for (const r of ack.results) {
    const answered = r.fixed.reduce((n, f) => n + f.latenciesMs.length, 0);
    if (answered === 0 || r.saturation.every((x) => x.throughput === 0)) {
      throw new Error(`${r.target} answered no ${r.kind} with 200: the benchmark could not run`);
    }
  }
  if (!skip.has("profile")) profiles = await runProfiles(settings, fake, ack.submission, log, keepProfiles);
} finally {
  await fake.close();
}

const s = settings;
const markdown = [
  "# Benchmark results",
  "",
  `Written by \`npm run bench\` (bench/run.ts). ${machineLine(s, { start: loadAtStart, end: loadavg()[0] ?? 0 })}`,
  "",
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
  "## 5. Footprint",
  "",
  "Each start is a new child process (`node --import tsx`, as `npm start` runs) timed from spawn to the first " +
    "200 on `/healthz`; idle RSS is read from /proc once it has been up a while.",
  "",
  ...(startup.length > 0 ? [startupTable(startup), ""] : []),
  memoryTable(ack),
  "",
].join("\n");

const out = s.ci
  ? join(tmpdir(), "latchkey-bench-ci-results.md")
  : fileURLToPath(new URL("results.md", import.meta.url));
writeFileSync(out, markdown);
process.stdout.write(
  `${markdown}\nWritten to ${out} in ${((performance.now() - began) / 1000).toFixed(0)} s\n`,
);
