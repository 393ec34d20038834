// The fleet benchmark (bench/fleet.ts) on a small fleet: the bulk SQL loads exactly the rows it
// describes on the migrated database, the sweeps do the same work in both phases, the SQL the core
// sends is recorded and explained, and the sweep queries the fleet indexes were added for use them.
import { describe, expect, it } from "vitest";
import { type FleetPlan, fleetTables, runFleet } from "../../bench/fleet.ts";
import { postgresReachable } from "../../bench/lib/fleet-db.ts";
import { scans } from "../../bench/lib/fleet-plans.ts";
import { AUDITS, EVENTS, PENDING } from "../../bench/lib/fleet-seed.ts";
import { CI } from "../../bench/settings.ts";

const HISTORY = 3_000;

/** Rows the history must hold, counted from the category rules (n % 100) independently of the SQL. */
function expectedRows(history: number): Record<string, number> {
  const category = (n: number) => {
    const c = n % 100;
    return c < 75 ? "A" : c < 83 ? "B" : c < 89 ? "C" : c < 93 ? "D" : c < 97 ? "E" : "F";
  };
  const rows = {
    ResetRequest: history,
    TimelineEvent: 0,
    AuditEntry: 0,
    Delivery: 0,
    ChatThread: 0,
    PasscodeHistory: 0,
  };
  for (let n = 0; n < history; n++) {
    const c = category(n);
    rows.TimelineEvent += EVENTS[c]?.length ?? 0;
    rows.AuditEntry += AUDITS[c]?.length ?? 0;
    rows.Delivery += c === "A" ? 2 : 0;
    rows.ChatThread += c === "F" ? 0 : 1;
    rows.PasscodeHistory += ["A", "C", "D", "E"].includes(c) ? 1 : 0;
  }
  return rows;
}

const databases: FleetPlan["databases"] = (await postgresReachable()) ? ["sqlite", "postgresql"] : ["sqlite"];

describe("fleet benchmark, small fleet", () => {
  const plan: FleetPlan = {
    size: { people: 200, devices: PENDING + 400, history: HISTORY },
    iterations: 5,
    warmup: 1,
    sweeps: 1,
    sweepWarmup: 0,
    databases,
  };

  it("loads the fleet, measures both phases and explains what the core sent", {
    timeout: 240_000,
  }, async () => {
    const result = await runFleet(plan, () => {});
    expect(result.databases.map((d) => d.kind)).toEqual(databases);
    for (const db of result.databases) {
      const expected = expectedRows(HISTORY);
      // Audit rows also hold what the measured operations appended (authorize is audited).
      const { AuditEntry: audit, ...rest } = db.rows;
      expect(rest).toEqual({
        Person: 200,
        Device: PENDING + 400,
        ...Object.fromEntries(Object.entries(expected).filter(([t]) => t !== "AuditEntry")),
      });
      expect(audit ?? 0).toBeGreaterThanOrEqual(expected.AuditEntry ?? 0);

      for (const op of db.ops) {
        expect(op.samplesMs.empty.length, op.name).toBeGreaterThan(0);
        expect(op.samplesMs.full.length, op.name).toBe(op.samplesMs.empty.length);
        expect(op.samplesMs.full.every((v) => v > 0)).toBe(true);
      }
      expect(db.ops).toHaveLength(5);
      // The batch gives each duty work, the same in both phases: 100 pushes (the duty's limit),
      // all 100 emails due (the delivery sweep drains its backlog page by page), 50 redactions,
      // and chat posts for the threads.
      for (const phase of ["empty", "full"] as const) {
        expect(db.sweepWork[phase]).toMatchObject({ pushes: 100, letters: 100, redactions: 50 });
        expect(db.sweepWork[phase].chatPosts).toBeGreaterThan(100);
      }
      expect(db.duties.map((d) => d.name)).toContain("purge-passcodes");

      const reads = db.plans.filter((r) => r.plan.length > 0);
      expect(reads.length).toBeGreaterThan(15);
      const purge = reads.find((r) => /[`"]passcodeCipher[`"] IS NOT NULL AND/.test(r.sql));
      const redact = reads.find((r) => /[`"]redactedAt[`"] IS NULL AND/.test(r.sql));
      expect(purge && redact).toBeTruthy();
      if (db.kind === "sqlite") {
        // SQLite's planner has no statistics: the plan alone must use the indexes.
        expect(reads.filter((r) => !r.usesIndex).map((r) => r.sql)).toEqual([]);
        expect(purge?.plan.join("\n")).toContain("ResetRequest_state_passcodeCipher_idx");
        expect(redact?.plan.join("\n")).toContain("Delivery_status_redactAt_idx");
      } else {
        for (const r of reads) expect(typeof r.rowsRead).toBe("number");
      }
    }
    const md = fleetTables(result, CI);
    expect(md).toContain("**Embedded SQLite**");
    expect(md).toContain("scheduler sweep: sweepAll");
    expect(md).toMatch(/\| deviceChoices: .* \| (yes|\*\*no\*\*) \|/);
  });
});

describe("scans", () => {
  it("flags whole-table reads on SQLite, not index searches", () => {
    expect(scans("sqlite", ["SEARCH Device USING INDEX Device_ownerEmail_idx (ownerEmail=?)"])).toEqual([]);
    expect(scans("sqlite", ["SCAN ResetRequest"])).toEqual(["SCAN ResetRequest"]);
    expect(scans("sqlite", ["SCAN ResetRequest USING INDEX ResetRequest_createdAt_idx"])).toHaveLength(1);
  });

  it("flags sequential scans and indexes walked without a condition on PostgreSQL", () => {
    const ok = [
      "Limit",
      '  ->  Index Scan using "Delivery_status_redactAt_idx" on "Delivery"',
      "        Index Cond: ((status = 'sent'::text))",
    ];
    expect(scans("postgresql", ok)).toEqual([]);
    expect(scans("postgresql", ['Seq Scan on "Device"', "  Filter: (x = 1)"])).toEqual([
      'Seq Scan on "Device"',
    ]);
    const walked = [
      "Limit",
      '  ->  Index Scan using "ResetRequest_pkey" on "ResetRequest"',
      "        Filter: (a)",
    ];
    expect(scans("postgresql", walked)).toEqual([
      '->  Index Scan using "ResetRequest_pkey" on "ResetRequest"',
    ]);
  });
});
