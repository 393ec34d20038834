// The counts for the reliability table in docs/reliability.md: each test merges its section into one JSON file
// (RELIABILITY_REPORT, default a file in the temp folder).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REPORT_PATH = process.env.RELIABILITY_REPORT ?? join(tmpdir(), "latchkey-reliability.json");

export interface ReliabilityCounts {
  processes: number;
  resetsDriven: number;
  processesKilled: number;
  faultsInjected: Record<string, number>;
  requestsLost: number;
  doubleResets: number;
  passcodesLeaked: number;
  [extra: string]: unknown;
}

export function writeReport(section: string, counts: ReliabilityCounts): void {
  let all: Record<string, unknown> = {};
  if (existsSync(REPORT_PATH)) {
    try {
      all = JSON.parse(readFileSync(REPORT_PATH, "utf8")) as Record<string, unknown>;
    } catch {
      all = {};
    }
  }
  all[section] = { ...counts, at: new Date().toISOString() };
  all.totals = totals(
    Object.entries(all).flatMap(([k, v]) => (k === "totals" ? [] : [v as ReliabilityCounts])),
  );
  writeFileSync(REPORT_PATH, `${JSON.stringify(all, null, 2)}\n`);
}

/** The table's row: every section added up. */
function totals(sections: ReliabilityCounts[]): ReliabilityCounts {
  const sum = (f: (c: ReliabilityCounts) => number) => sections.reduce((n, c) => n + (f(c) || 0), 0);
  const faults: Record<string, number> = {};
  for (const c of sections) {
    for (const [kind, n] of Object.entries(c.faultsInjected ?? {})) faults[kind] = (faults[kind] ?? 0) + n;
  }
  return {
    processes: sum((c) => c.processes),
    resetsDriven: sum((c) => c.resetsDriven),
    processesKilled: sum((c) => c.processesKilled),
    faultsInjected: faults,
    requestsLost: sum((c) => c.requestsLost),
    doubleResets: sum((c) => c.doubleResets),
    passcodesLeaked: sum((c) => c.passcodesLeaked),
    copiesResentAfterCutOff: sum((c) => Number(c.copiesResentAfterCutOff ?? 0)),
    sections: sections.length,
  };
}
