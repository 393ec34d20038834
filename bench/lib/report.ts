// The benchmarks' results as Markdown tables (bench/results.md, and summarised in docs/performance.md).
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import type { AckBenchmark, AckResult } from "../ack.ts";
import type { ProfileResult } from "../profile.ts";
import type { Settings } from "../settings.ts";
import type { StartupVariant } from "../startup.ts";
import type { FixedRateResult } from "./fixed-rate.ts";
import type { SaturateResult } from "./saturate.ts";
import type { PayloadKind } from "./slack-payloads.ts";
import { max, median, percentile } from "./stats.ts";
import { TARGETS, type TargetName } from "./targets.ts";

const ms = (v: number) =>
  Number.isNaN(v) ? "–" : v === Infinity ? "failed" : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(0)} ms`;
const int = (v: number) => (Number.isNaN(v) ? "–" : Math.round(v).toString());
const mib = (v: number) => `${v.toFixed(0)} MiB`;
const range = (values: number[], f: (v: number) => string) =>
  values.length > 1 ? `${f(Math.min(...values))}–${f(Math.max(...values))}` : "";

const KIND_TITLE: Record<PayloadKind, string> = {
  command: "`/reset-passcode @user` (slash command; Latchkey acks, then opens the reset modal)",
  submission:
    "Reset form submitted (Latchkey re-checks the device before its ack, which pushes the confirmation)",
};

/** The commit benchmarked (and whether src/ differed from it), when git can tell. */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8", stdio: "pipe" }).trim();
    return `Latchkey at ${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "src") ? " with uncommitted changes in src/" : ""};`;
  } catch {
    return "";
  }
}

/** `load`: the 1-minute load averages when the run began and ended (other work on the machine skews it all). */
export function machineLine(s: Settings, load: { start: number; end: number }): string {
  const cpu = cpus();
  return [
    revision(),
    `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB;`,
    `Node ${process.version}; load average ${load.start.toFixed(2)} at the start, ${load.end.toFixed(2)} at the end;`,
    `${new Date().toISOString().slice(0, 10)}; ${s.ci ? "short CI run (numbers indicative only)" : "full run"};`,
    "load generator, fake Slack Web API and the server under test share the machine (loopback).",
  ]
    .filter(Boolean)
    .join(" ");
}

/** The runs of one target and kind: at a fixed rate, and at saturation (Slack and Teams alike). */
export interface LoadRuns {
  fixed: FixedRateResult[];
  saturation: SaturateResult[];
}

/** Per run: the q-quantile of answer latency, a request that failed counting as infinitely slow. */
export function fixedP(r: LoadRuns, q: number): number[] {
  return r.fixed.map((f) =>
    percentile([...f.latenciesMs, ...new Array<number>(f.non2xx + f.errors).fill(Infinity)], q),
  );
}

/** Answers other than 2xx (Bolt answers 404 when no ack came within 3 s), and errors and timeouts. */
export function failures(r: LoadRuns): string {
  const non2xx = r.fixed.reduce((n, f) => n + f.non2xx, 0) + r.saturation.reduce((n, x) => n + x.non2xx, 0);
  const errors =
    r.fixed.reduce((n, f) => n + f.errors, 0) + r.saturation.reduce((n, x) => n + x.errors + x.timeouts, 0);
  return `${non2xx} / ${errors}`;
}

export function ackTables(bench: AckBenchmark, s: Settings): string {
  const out: string[] = [];
  for (const kind of ["command", "submission"] as PayloadKind[]) {
    const rows = TARGETS.map(
      (t) => bench.results.find((r) => r.target === t && r.kind === kind) as AckResult,
    );
    out.push(`**${KIND_TITLE[kind]}**`, "");
    out.push(
      `| Target | p50 at ${s.rate}/s | p99 at ${s.rate}/s (worst run) | Throughput at saturation, req/s (range) | p99 at saturation | Non-2xx / errors |`,
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const r of rows) {
      const tput = r.saturation.map((x) => x.throughput);
      out.push(
        `| ${r.target} | ${ms(median(fixedP(r, 0.5)))} | ${ms(median(fixedP(r, 0.99)))} (${ms(max(fixedP(r, 0.99)))}) | ${int(median(tput))} ${range(tput, int) ? `(${range(tput, int)})` : ""} | ${ms(median(r.saturation.map((x) => x.p99Ms)))} | ${failures(r)} |`,
      );
    }
    const row = (t: TargetName) => rows.find((r) => r.target === t) as AckResult;
    const [latchkey, bolt, lean] = [row("Latchkey"), row("bare Bolt"), row("bare Bolt, our receiver")];
    const tput = (r: AckResult) => median(r.saturation.map((x) => x.throughput));
    const p99 = median(fixedP(latchkey, 0.99));
    const ratio = tput(latchkey) / tput(bolt);
    const p99Ratio = p99 / median(fixedP(bolt, 0.99));
    out.push(
      "",
      `Latchkey / bare Bolt: throughput **${ratio.toFixed(2)}×** (target ≥ 0.8×: ${ratio >= 0.8 ? "met" : "missed"}); ` +
        `p99 at ${s.rate}/s **${ms(p99)}**${Number.isFinite(p99Ratio) ? `, ${p99Ratio.toFixed(1)}× bare Bolt's` : ""} ` +
        `(target < 100 ms: ${p99 < 100 ? "met" : "missed"}).`,
      `The same bare app on Latchkey's receiver / on Bolt's HTTPReceiver: throughput **${(tput(lean) / tput(bolt)).toFixed(2)}×**.`,
    );
    const forms = (phase: "fixed" | "saturation") => latchkey.forms.filter((f) => f.phase === phase);
    if (latchkey.forms.length > 0) {
      const share = (phase: "fixed" | "saturation") => {
        const runs = forms(phase);
        const acked = runs.reduce((n, f) => n + f.acked, 0);
        const opened = runs.reduce((n, f) => n + f.opened, 0);
        return `${opened} of ${acked} (${acked > 0 ? ((100 * opened) / acked).toFixed(0) : "–"}%)`;
      };
      const openedPerSec = median(forms("saturation").map((f) => f.opened / s.saturateSec));
      out.push(
        `Reset forms opened: at ${s.rate}/s ${share("fixed")} commands; at saturation ${share("saturation")}, ` +
          `about ${int(openedPerSec)} forms/s; the other commands' acks said Latchkey is busy (the form queue is bounded so the acks stay fast; Slack's own limit for \`views.open\` is Tier 4, 100+ a minute per workspace).`,
      );
    }
    if (latchkey.drainMs.length > 0) {
      out.push(
        `After a saturation run Latchkey still had modals to open for ${ms(median(latchkey.drainMs))} (median; Slack's trigger ids last 3 s).`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

export function profileTables(profiles: ProfileResult[]): string {
  const out: string[] = [];
  for (const kind of ["command", "submission"] as PayloadKind[]) {
    const cols = TARGETS.map((t) => profiles.find((p) => p.target === t && p.kind === kind) as ProfileResult);
    const perReq = (p: ProfileResult, us: number) => (p.requests > 0 ? us / p.requests : Number.NaN);
    const busy = (p: ProfileResult) => p.breakdown.totalUs - p.breakdown.idleUs;
    const names = new Set(cols.flatMap((p) => [...p.breakdown.buckets.keys()]));
    const latchkey = cols[0] as ProfileResult;
    const sorted = [...names].sort(
      (a, b) => (latchkey.breakdown.buckets.get(b) ?? 0) - (latchkey.breakdown.buckets.get(a) ?? 0),
    );
    out.push(`**CPU µs per ${kind === "command" ? "command" : "form submission"} at saturation**`, "");
    out.push(`| Where | ${TARGETS.join(" | ")} |`, `| --- | ${TARGETS.map(() => "---:").join(" | ")} |`);
    out.push(`| **all CPU (non-idle)** | ${cols.map((p) => `**${int(perReq(p, busy(p)))}**`).join(" | ")} |`);
    out.push(
      `| → requests/s one core could answer | ${cols.map((p) => int(1e6 / perReq(p, busy(p)))).join(" | ")} |`,
    );
    const shown = sorted.filter((n) => cols.some((p) => perReq(p, p.breakdown.buckets.get(n) ?? 0) >= 2));
    for (const name of shown) {
      out.push(
        `| ${name} | ${cols.map((p) => int(perReq(p, p.breakdown.buckets.get(name) ?? 0))).join(" | ")} |`,
      );
    }
    out.push(
      `| (other, each < 2 µs) | ${cols
        .map((p) => {
          const listed = shown.reduce((n, name) => n + (p.breakdown.buckets.get(name) ?? 0), 0);
          return int(perReq(p, busy(p) - listed));
        })
        .join(" | ")} |`,
      "",
    );
  }
  return out.join("\n");
}

export function startupTable(rows: StartupVariant[]): string {
  const out = [
    "| Target | Start | To healthy, median (range) | First answer (503 while starting) | Idle RSS |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const healthy = `${ms(median(r.healthyMs))}${range(r.healthyMs, ms) ? ` (${range(r.healthyMs, ms)})` : ""}`;
    out.push(
      `| ${r.target} | ${r.variant} | ${healthy} | ${ms(median(r.firstResponseMs))} | ${mib(median(r.idleRssMiB))} |`,
    );
  }
  return out.join("\n");
}

export function memoryTable(bench: AckBenchmark): string {
  const out = [
    "| Target | RSS idle (before load) | RSS right after the last saturation run | Peak RSS |",
    "| --- | --- | --- | --- |",
  ];
  for (const t of TARGETS) {
    const m = bench.memory[t];
    out.push(`| ${t} | ${mib(m.idle.rssMiB)} | ${mib(m.afterLoad.rssMiB)} | ${mib(m.afterLoad.peakMiB)} |`);
  }
  return out.join("\n");
}
