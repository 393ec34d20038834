// Benchmark 4's report (docs/performance.md and bench/results.md): per database, each operation and sweep duty
// with an empty and a full history, the ratio, and every statement's plan and time.
import type { DbKind } from "../../src/adapters/db/open-database.ts";
import type { FleetResult } from "../fleet.ts";
import type { Settings } from "../settings.ts";
import type { PlanRow } from "./fleet-plans.ts";
import { shortSql } from "./fleet-plans.ts";
import { ADMINS, historyProportions, PENDING } from "./fleet-seed.ts";
import { machineLine } from "./report.ts";
import { median, percentile } from "./stats.ts";

const ms = (v: number) => (Number.isNaN(v) ? "–" : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(0)} ms`);
const n = (v: number) => v.toLocaleString("en-US");
const NAMES: Record<DbKind, string> = { sqlite: "Embedded SQLite", postgresql: "PostgreSQL" };

/** A statement at least twice as slow with the full history (and by more than 0.1 ms). */
function grows(r: PlanRow): boolean {
  return r.msFull > 2 * r.msEmpty && r.msFull - r.msEmpty > 0.1;
}

/** Rows read beyond which a statement is taken to depend on the history's size (PostgreSQL). */
const MANY_ROWS = 1000;

function ratioCell(full: number, empty: number): string {
  const r = full / empty;
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : "–";
}

export function fleetTables(result: FleetResult, settings: Settings): string {
  const { size } = result.plan;
  const p = historyProportions();
  const out: string[] = [];
  out.push(
    `Inventory: ${n(size.people)} people (${ADMINS} admins), ${n(size.devices)} devices (two a person). ` +
      `History: ${n(size.history)} finished requests over three years (75 % completed resets, 8 % completed locks, ` +
      "6 % expired, 4 % failed, 4 % cancelled, 3 % refused), with, per request on average, " +
      `${p.events.toFixed(1)} timeline events, ${p.audit.toFixed(1)} audit rows, ${p.deliveries.toFixed(1)} deliveries, ` +
      `${p.threads.toFixed(2)} chat threads and ${p.passcodeHistory.toFixed(2)} passcode-history rows. ` +
      "Loaded by INSERT … SELECT in the database (recursive CTE on SQLite, generate_series on PostgreSQL) after the " +
      "real migrations. Each operation is timed " +
      `${result.plan.iterations} times (after ${result.plan.warmup} untimed) with an empty history, then again ` +
      "with the full one, on the same inventory and the same sequence of people and devices; the sweep runs " +
      `${result.plan.sweeps} time${result.plan.sweeps === 1 ? "" : "s"} per phase, each on a fresh batch of ${n(PENDING)} requests with work due ` +
      "(600 due for a re-push, 100 not pushed yet, 100 past their expiry, 100 locked with an email due, 100 " +
      "completed with a stored passcode and a Slack DM due for redaction; each with an open chat thread). " +
      "Push, mail and chat answer in memory. PostgreSQL tables get VACUUM (ANALYZE) after loading (autovacuum would); " +
      "SQLite is not (Latchkey never runs ANALYZE).",
    "",
    machineLine(settings, result.load),
    "",
  );
  for (const db of result.databases) {
    out.push(`**${NAMES[db.kind]}**${db.location ? ` (${db.location})` : ""}`, "");
    if (db.skipped) {
      out.push(db.skipped, "");
      continue;
    }
    out.push(
      `Loaded in ${db.seedSec.inventory.toFixed(1)} s (inventory) + ${db.seedSec.history.toFixed(0)} s (history): ` +
        `${Object.entries(db.rows)
          .map(([t, c]) => `${t} ${n(c)}`)
          .join(", ")}.`,
      "",
      "| Operation | p50 empty | p99 empty | p50 full | p99 full | full / empty p50 | full / empty p99 | within 2× |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    );
    for (const op of db.ops) {
      const e50 = median(op.samplesMs.empty);
      const f50 = median(op.samplesMs.full);
      const e99 = percentile(op.samplesMs.empty, 0.99);
      const f99 = percentile(op.samplesMs.full, 0.99);
      const ok = f50 / e50 <= 2;
      out.push(
        `| ${op.name} | ${ms(e50)} | ${ms(e99)} | ${ms(f50)} | ${ms(f99)} | ${ratioCell(f50, e50)} | ${ratioCell(f99, e99)} | ${ok ? "yes" : "**no**"} |`,
      );
    }
    const w = db.sweepWork;
    out.push(
      "",
      `Each sweep (median): ${w.empty.pushes} / ${w.full.pushes} pushes, ${w.empty.letters} / ${w.full.letters} ` +
        `passcode messages, ${w.empty.redactions} / ${w.full.redactions} redactions, ${w.empty.chatPosts} / ` +
        `${w.full.chatPosts} chat posts (empty / full history): the same work in both phases.`,
      "",
      "| Sweep duty | p50 empty | p50 full | full / empty |",
      "| --- | ---: | ---: | ---: |",
    );
    for (const d of db.duties) {
      const e = median(d.samplesMs.empty);
      const f = median(d.samplesMs.full);
      out.push(`| ${d.name} | ${ms(e)} | ${ms(f)} | ${ratioCell(f, e)} |`);
    }
    const reads = db.plans.filter((r) => r.plan.length > 0);
    const bad = reads.filter((r) => !r.usesIndex);
    const grown = db.plans.filter(grows);
    out.push(
      "",
      `Query plans on the full database (${db.kind === "sqlite" ? "EXPLAIN QUERY PLAN" : "EXPLAIN (COSTS OFF); rows read from EXPLAIN ANALYZE in a rolled-back transaction"}, ` +
        `with the parameters sent), and each statement's median time (Prisma's query log) with the empty and the full history: ` +
        `${reads.length} distinct reads, updates and deletes, ` +
        `${bad.length === 0 ? "every one through an index" : `**${bad.length} reading a whole table or index**`}; ` +
        `${grown.length === 0 ? "none slower by more than 2× with the full history" : `${grown.length} slower by more than 2× with the full history`}` +
        (db.kind === "postgresql"
          ? ` (of which reading more than ${n(MANY_ROWS)} rows: ${
              grown.filter((r) => (r.rowsRead ?? 0) > MANY_ROWS).length === 0
                ? "none, so timing noise"
                : `**${grown.filter((r) => (r.rowsRead ?? 0) > MANY_ROWS).length}**`
            }; reading more than ${n(MANY_ROWS)} rows at all: ${reads.filter((r) => (r.rowsRead ?? 0) > MANY_ROWS).length})`
          : "") +
        "; " +
        `plus ${db.plans.length - reads.length} plain inserts.`,
      "",
      `| Operation | Statement | Plan | Index | ms empty → full${db.kind === "postgresql" ? " | Rows read" : ""} |`,
      `| --- | --- | --- | --- | ---:${db.kind === "postgresql" ? " | ---:" : ""} |`,
    );
    for (const r of reads) {
      const ops = r.ops.map((o) => o.split(":")[0]).join(", ");
      const plan = r.plan.map((l) => l.trim()).join(" → ");
      const time = `${Number.isNaN(r.msEmpty) ? "–" : r.msEmpty.toFixed(2)} → ${r.msFull.toFixed(2)}${grows(r) ? " **(grows)**" : ""}`;
      out.push(
        `| ${ops} | \`${shortSql(r.sql).replace(/\|/g, "\\|")}\` | \`${plan.replace(/\|/g, "\\|")}\` | ${r.usesIndex ? "yes" : "**scan**"} | ${time}${db.kind === "postgresql" ? ` | ${r.rowsRead === null ? "–" : n(r.rowsRead)}` : ""} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}
