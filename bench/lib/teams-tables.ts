// Benchmark 2's tables (docs/performance.md and bench/results.md): Latchkey against the stock CloudAdapter bot,
// per invoke, at a fixed rate and at saturation, with memory and where the CPU went.

import type { Settings } from "../settings.ts";
import type { TeamsBenchmark, TeamsProfile, TeamsResult } from "../teams-ack.ts";
import { failures, fixedP } from "./report.ts";
import { max, median } from "./stats.ts";
import { TEAMS_KINDS, type TeamsKind } from "./teams-payloads.ts";
import { TEAMS_TARGETS } from "./teams-targets.ts";

const ms = (v: number) =>
  Number.isNaN(v) ? "–" : v === Infinity ? "failed" : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(0)} ms`;
const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toString() : "–");
const mib = (v: number) => `${v.toFixed(0)} MiB`;

const KIND_TITLE: Record<TeamsKind, string> = {
  fetchTask:
    "`composeExtension/fetchTask` (the compose box's Reset passcode: Latchkey answers with the person dialog)",
  submitForm:
    "`composeExtension/submitAction`, person submitted (Latchkey answers with the person's devices and the capability verdicts)",
  submitConfirm:
    "`composeExtension/submitAction`, device chosen (Latchkey re-checks the device and answers with the sealed confirmation)",
};

export function teamsTables(bench: TeamsBenchmark, s: Settings): string {
  const out: string[] = [];
  const tput = (r: TeamsResult) => median(r.saturation.map((x) => x.throughput));
  for (const kind of TEAMS_KINDS) {
    const rows = TEAMS_TARGETS.map(
      (t) => bench.results.find((r) => r.target === t && r.kind === kind) as TeamsResult,
    );
    out.push(`**${KIND_TITLE[kind]}**`, "");
    out.push(
      `| Target | p50 at ${s.rate}/s | p99 at ${s.rate}/s (worst run) | Throughput at saturation, req/s (range) | p99 at saturation | Non-2xx / errors |`,
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const r of rows) {
      const t = r.saturation.map((x) => x.throughput);
      const range = t.length > 1 ? ` (${int(Math.min(...t))}–${int(Math.max(...t))})` : "";
      out.push(
        `| ${r.target} | ${ms(median(fixedP(r, 0.5)))} | ${ms(median(fixedP(r, 0.99)))} (${ms(max(fixedP(r, 0.99)))}) | ${int(median(t))}${range} | ${ms(median(r.saturation.map((x) => x.p99Ms)))} | ${failures(r)} |`,
      );
    }
    const [latchkey, bare] = rows as [TeamsResult, TeamsResult];
    const p99 = median(fixedP(latchkey, 0.99));
    const ratio = tput(latchkey) / tput(bare);
    const p99Ratio = p99 / median(fixedP(bare, 0.99));
    out.push(
      "",
      `Latchkey / bare CloudAdapter: throughput **${ratio.toFixed(2)}×** (target ≥ 0.8×: ${ratio >= 0.8 ? "met" : "missed"}); ` +
        `p99 at ${s.rate}/s **${ms(p99)}**${Number.isFinite(p99Ratio) ? `, ${p99Ratio.toFixed(1)}× the bare bot's` : ""} ` +
        `(target < 100 ms: ${p99 < 100 ? "met" : "missed"}).`,
      "",
    );
  }
  if (bench.profiles.length > 0) out.push(profileTable(bench.profiles));
  out.push(
    "| Target | RSS idle (before load) | RSS right after the last saturation run | Peak RSS |",
    "| --- | --- | --- | --- |",
  );
  for (const t of TEAMS_TARGETS) {
    const m = bench.memory[t];
    out.push(`| ${t} | ${mib(m.idle.rssMiB)} | ${mib(m.afterLoad.rssMiB)} | ${mib(m.afterLoad.peakMiB)} |`);
  }
  out.push(
    "",
    `Calls to the fake Bot Connector during the benchmark: ${bench.connectorCalls} (Latchkey asks Teams who Ada is once, then trusts that for 10 minutes).`,
    "",
  );
  return out.join("\n");
}

function profileTable(profiles: TeamsProfile[]): string {
  const cols = TEAMS_KINDS.flatMap((kind) =>
    TEAMS_TARGETS.map((t) => profiles.find((p) => p.target === t && p.kind === kind)).filter(
      (p): p is TeamsProfile => p !== undefined,
    ),
  );
  const perReq = (p: TeamsProfile, us: number) => (p.requests > 0 ? us / p.requests : Number.NaN);
  const busy = (p: TeamsProfile) => p.breakdown.totalUs - p.breakdown.idleUs;
  const names = new Set(cols.flatMap((p) => [...p.breakdown.buckets.keys()]));
  const weight = (n: string) => cols.reduce((sum, p) => sum + perReq(p, p.breakdown.buckets.get(n) ?? 0), 0);
  const shown = [...names]
    .filter((n) => cols.some((p) => perReq(p, p.breakdown.buckets.get(n) ?? 0) >= 10))
    .sort((a, b) => weight(b) - weight(a));
  const head = cols.map((p) => `${p.target === "Latchkey" ? "Latchkey" : "bare"} ${p.kind}`);
  const out = [
    "**CPU µs per answered invoke at saturation (node --cpu-prof)**",
    "",
    `| Where | ${head.join(" | ")} |`,
    `| --- | ${cols.map(() => "---:").join(" | ")} |`,
    `| **all CPU (non-idle)** | ${cols.map((p) => `**${int(perReq(p, busy(p)))}**`).join(" | ")} |`,
    `| → invokes/s one core could answer | ${cols.map((p) => int(1e6 / perReq(p, busy(p)))).join(" | ")} |`,
  ];
  for (const name of shown) {
    out.push(
      `| ${name} | ${cols.map((p) => int(perReq(p, p.breakdown.buckets.get(name) ?? 0))).join(" | ")} |`,
    );
  }
  out.push(
    `| (other, each < 10 µs) | ${cols
      .map((p) =>
        int(perReq(p, busy(p) - shown.reduce((n, name) => n + (p.breakdown.buckets.get(name) ?? 0), 0))),
      )
      .join(" | ")} |`,
    "",
  );
  return out.join("\n");
}
