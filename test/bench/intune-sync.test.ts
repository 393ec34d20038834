// The Intune sync benchmark (bench/intune-sync.ts) on a small fleet: the real `latchkey sync intune`
// process runs its three syncs against the local Graph on a fresh database, the benchmark checks
// the counts and the database after each (it throws otherwise), and the report shows them. Also
// the fleet it generates: the variety it claims, and churn that adds up.
import { describe, expect, it } from "vitest";
import {
  type IntuneBenchmark,
  intuneTables,
  memoryRatios,
  runIntuneSyncs,
  warningsOf,
} from "../../bench/intune-sync.ts";
import { parseCounts } from "../../bench/lib/intune-cli.ts";
import { churn, fleet } from "../../bench/lib/intune-fleet.ts";
import { CI } from "../../bench/settings.ts";
import type { DbKind } from "../../src/adapters/db/open-database.ts";
import { postgresAvailable } from "../support/databases.ts";

const databases: DbKind[] = (await postgresAvailable()) ? ["sqlite", "postgresql"] : ["sqlite"];

describe("Intune sync benchmark, small fleet", () => {
  it("runs the CLI's three syncs on each database, checks them, and reports them", {
    timeout: 120_000,
  }, async () => {
    const runs = [];
    for (const db of databases) runs.push(await runIntuneSyncs(db, 300, 50, null, () => {}));
    const { expect: want } = fleet(300);
    for (const run of runs) {
      expect(run.syncs.map((s) => s.phase)).toEqual(["first", "unchanged", "changed"]);
      const [first, same, changed] = run.syncs;
      expect(first?.counts).toMatchObject({
        added: want.devices,
        people: want.people,
        skipped: want.skipped,
      });
      // 300 devices, 50 a page: 6 pages of each endpoint.
      expect(first?.pages).toEqual({ v1: 6, beta: 6 });
      expect(same?.written).toEqual({ devices: 0, people: 0, audits: 1 });
      expect(same?.counts).toMatchObject({ added: 0, updated: 0, unchanged: want.devices });
      expect(changed?.written.audits).toBe(1);
      for (const s of run.syncs) {
        expect(s.wallMs).toBeGreaterThan(0);
        expect(s.peakRssKiB).toBeGreaterThan(10_000);
      }
    }
    const bench: IntuneBenchmark = {
      plan: { sizes: [300], databases, pageSize: 50, heapCapMiB: null },
      startup: { wallMs: 1000, peakRssKiB: 100_000 },
      runs,
    };
    const md = intuneTables(bench, CI);
    expect(md).toContain("| embedded SQLite | 300 | second (nothing changed) |");
    expect(md).toMatch(/the first sync of 300 devices took .* \(target < 2 min: met\)/);
    expect(memoryRatios(bench)).toEqual([]); // one size: nothing to compare
  });
});

describe("the benchmark's fleet", () => {
  it("has the variety it claims: every kind, kiosks without a user, one user per two devices", () => {
    const { devices, expect: want } = fleet(10_000);
    const share = (f: (d: (typeof devices)[number]) => boolean) => devices.filter(f).length / devices.length;
    expect(share((d) => d.owner === null)).toBeGreaterThan(0.06);
    expect(share((d) => d.owner === null)).toBeLessThan(0.1);
    expect(share((d) => d.device.operatingSystem === "Linux")).toBeCloseTo(0.01, 2);
    const types = new Set(
      devices.map(
        (d) => `${d.device.operatingSystem}/${d.device.deviceEnrollmentType}/${d.device.deviceType}`,
      ),
    );
    expect(types.size).toBe(13);
    expect(new Set(devices.map((d) => d.device.id)).size).toBe(10_000);
    // ~5,000 users, nearly all with a written device, plus the no-user person.
    expect(want.people).toBeGreaterThan(4_900);
    expect(want.people).toBeLessThanOrEqual(5_001);
    expect(want.devices + want.skipped).toBe(10_000);
  });

  it("churns about 1 % changed and 0.5 % removed, counted as the sync should count them", () => {
    const { devices, expect: want } = fleet(10_000);
    const c = churn(devices);
    expect(c.changed.length / 10_000).toBeCloseTo(0.01, 2);
    expect(c.removed.length / 10_000).toBeCloseTo(0.005, 2);
    expect(c.expect.updated + c.expect.unchanged + c.expect.retired).toBe(want.devices);
    expect(c.expect.skipped + c.expect.updated + c.expect.unchanged).toBe(10_000 - c.removed.length);
    expect(c.expect.people).toBeGreaterThan(0);
  });
});

describe("reading the CLI", () => {
  it("parses the summary line and cuts msal's prefix from log lines", () => {
    expect(
      parseCounts("Intune sync: 3 added, 1 updated, 2 unchanged, 4 retired, 5 people added, 6 skipped.\n"),
    ).toEqual({ added: 3, updated: 1, unchanged: 2, retired: 4, people: 5, skipped: 6 });
    expect(parseCounts("The Intune sync stopped")).toBeNull();
    const line = JSON.stringify({
      level: 40,
      msg: "[Mon, 07 Dec 2026 08:15:32 GMT] : [abc] : msal : Warning - x",
    });
    expect(warningsOf(`${line}\nplain\n`)).toEqual(["msal : Warning - x", "plain"]);
  });
});
