// Benchmark 3's results table (docs/performance.md and bench/results.md): one column per run.
import type { Settings } from "../settings.ts";
import { type E2eBenchmark, type E2eRun, SEGMENTS } from "./e2e-analysis.ts";
import { median, percentile } from "./stats.ts";

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
