// Benchmark 4 of issue 6, fleet scale: with 100,000 devices and 50,000 people in the inventory, the
// person's devices lookup (the reset form and App Home), the capability check, authorize and one
// scheduler sweep with 1,000 requests due must cost the same (within 2x) with 1,000,000 finished
// requests in the history as with none; on the embedded SQLite database and on PostgreSQL. The
// data is bulk-loaded by SQL after the real migrations (bench/lib/fleet-seed.ts); the operations
// are the real core functions on the real stores; the SQL they send is recorded from Prisma's
// query log and explained on the full database (bench/lib/fleet-plans.ts).
//
// Alone: `node --import tsx bench/fleet.ts [--ci] [--history=N] [--sqlite-only|--postgresql-only]`
// prints the tables (--ci: 2,000 devices and 20,000 requests, well under a minute).
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { DbKind } from "../src/adapters/db/open-database.ts";
import { authorize } from "../src/core/authorization.ts";
import type { Engine } from "../src/core/engine.ts";
import { assessDevice, deviceChoices, ownDevices } from "../src/core/reset/device-choices.ts";
import { DUTIES, sweepAll } from "../src/core/reset/sweep.ts";
import {
  type FleetDb,
  fleetEngine,
  type OutsideWorld,
  openFleetDb,
  postgresReachable,
} from "./lib/fleet-db.ts";
import { explainAll, type Phase, type PlanRow, QueryRecorder } from "./lib/fleet-plans.ts";
import { fleetTables } from "./lib/fleet-report.ts";
import {
  ADMINS,
  clearPendingSql,
  deviceId,
  type FleetSize,
  historyChunks,
  inventorySql,
  PENDING,
  pendingSql,
  personEmail,
} from "./lib/fleet-seed.ts";
import { median } from "./lib/stats.ts";
import { CI, FULL, type Settings } from "./settings.ts";

export { fleetTables };

export interface FleetPlan {
  size: FleetSize;
  /** Timed calls per operation and phase, after `warmup` untimed ones. */
  iterations: number;
  warmup: number;
  /** Timed sweeps per phase (each on a fresh batch of pending requests), after `sweepWarmup` untimed. */
  sweeps: number;
  sweepWarmup: number;
  databases: DbKind[];
}

export function fleetPlan(settings: Settings, overrides: Partial<FleetSize> = {}): FleetPlan {
  const size = settings.ci
    ? { people: 1_000, devices: 2_000, history: 20_000 }
    : { people: 50_000, devices: 100_000, history: 1_000_000 };
  return {
    size: { ...size, ...overrides },
    iterations: settings.ci ? 40 : 400,
    warmup: settings.ci ? 10 : 40,
    sweeps: settings.ci ? 1 : 5,
    sweepWarmup: settings.ci ? 0 : 1,
    databases: ["sqlite", "postgresql"],
  };
}

export type { Phase };

export interface OpResult {
  name: string;
  samplesMs: Record<Phase, number[]>;
}

export interface FleetDbResult {
  kind: DbKind;
  location: string;
  /** Seconds spent loading the inventory, then the history. */
  seedSec: { inventory: number; history: number };
  /** Row counts of the full database. */
  rows: Record<string, number>;
  ops: OpResult[];
  /** Per sweep duty, milliseconds per sweep. */
  duties: OpResult[];
  /** What the sweeps asked of the outside world, per sweep (median), by phase. */
  sweepWork: Record<Phase, OutsideWorld>;
  plans: PlanRow[];
  skipped?: string;
}

export interface FleetResult {
  plan: FleetPlan;
  databases: FleetDbResult[];
  load: { start: number; end: number };
}

const OPS = {
  choices: "deviceChoices: reset form for a person (authorize + owner + devices + active requests)",
  own: "ownDevices: a person's own devices (App Home)",
  check: "capability check of one device (device + active request + assessDevice)",
  authorize: "authorize: admin resets one device (person + audit row)",
  sweep: `scheduler sweep: sweepAll with ${PENDING.toLocaleString("en-US")} requests due`,
} as const;

/** Deterministic choices, the same in both phases and on both databases. */
function picker(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function measureOps(
  engine: Engine,
  plan: FleetPlan,
  phase: Phase,
  results: OpResult[],
  recorder: QueryRecorder,
): Promise<void> {
  const { size } = plan;
  const admin = personEmail(0);
  const employee = (pick: (n: number) => number) => personEmail(ADMINS + pick(size.people - ADMINS));
  const device = async (pick: (n: number) => number) => {
    const d = await engine.stores.directory.device(deviceId(PENDING + pick(size.devices - PENDING)));
    if (!d) throw new Error("fleet benchmark: a seeded device is missing");
    return d;
  };
  const cases: [keyof typeof OPS, (pick: (n: number) => number) => Promise<unknown>][] = [
    [
      "choices",
      async (pick) => {
        const r = await deviceChoices(engine, {
          actorEmail: admin,
          ownerEmail: employee(pick),
          surface: "slack",
          purpose: "reset",
        });
        if (r.status !== "ok") throw new Error(`deviceChoices answered ${r.status}`);
      },
    ],
    [
      "own",
      async (pick) => {
        if ((await ownDevices(engine, employee(pick))).length === 0) throw new Error("ownDevices found none");
      },
    ],
    [
      "check",
      async (pick) => {
        const id = deviceId(PENDING + pick(size.devices - PENDING));
        const d = await engine.stores.directory.device(id);
        if (!d) throw new Error(`no device ${id}`);
        const active = await engine.stores.requests.activeForDevice(id);
        assessDevice(engine, d, active);
      },
    ],
    [
      "authorize",
      async (pick) => {
        const d = await device(pick);
        const decision = await authorize(engine, {
          actorEmail: admin,
          action: "reset",
          device: d,
          surface: "slack",
        });
        if (!decision.allowed) throw new Error("authorize refused the admin");
      },
    ],
  ];
  for (const [key, run] of cases) {
    const name = OPS[key];
    // The device for "authorize" is read before timing: only authorize itself is timed.
    const warm = picker(7);
    for (let i = 0; i < plan.warmup; i++) await run(warm);
    // Timed with Prisma's query log on (each statement's SQL and duration are kept: microseconds).
    const pick = picker(42);
    const samples: number[] = [];
    for (let i = 0; i < plan.iterations; i++) {
      if (key === "authorize") {
        const d = await device(pick);
        const go = () =>
          authorize(engine, { actorEmail: admin, action: "reset", device: d, surface: "slack" });
        samples.push(await timed(() => recorder.record(name, phase, go)));
      } else {
        samples.push(await timed(() => recorder.record(name, phase, () => run(pick))));
      }
    }
    resultFor(results, name).samplesMs[phase] = samples;
  }
}

function resultFor(results: OpResult[], name: string): OpResult {
  let r = results.find((x) => x.name === name);
  if (!r) {
    r = { name, samplesMs: { empty: [], full: [] } };
    results.push(r);
  }
  return r;
}

async function measureSweeps(
  target: FleetDb,
  engine: Engine,
  world: OutsideWorld,
  plan: FleetPlan,
  phase: Phase,
  result: FleetDbResult,
  recorder: QueryRecorder,
): Promise<void> {
  const cipher = engine.secrets.seal("24681357");
  const work: OutsideWorld[] = [];
  for (let i = 1 - plan.sweepWarmup; i <= plan.sweeps; i++) {
    await target.exec(clearPendingSql());
    await target.exec(pendingSql(target.kind, Math.floor(Date.now() / 1000), cipher));
    if (target.kind === "postgresql") await target.exec(['ANALYZE "ResetRequest"', 'ANALYZE "Delivery"']);
    const before = { ...world };
    if (i < 1) {
      await sweepAll(engine); // untimed warm-up
      continue;
    }
    // sweepAll's own loop, with each duty timed.
    let total = 0;
    for (const duty of DUTIES) {
      if (!duty.atStartup) continue;
      const ms = await timed(() => recorder.record(OPS.sweep, phase, () => duty.run(engine)));
      total += ms;
      resultFor(result.duties, duty.name).samplesMs[phase].push(ms);
    }
    resultFor(result.ops, OPS.sweep).samplesMs[phase].push(total);
    work.push({
      pushes: world.pushes - before.pushes,
      letters: world.letters - before.letters,
      redactions: world.redactions - before.redactions,
      chatPosts: world.chatPosts - before.chatPosts,
    });
  }
  await target.exec(clearPendingSql());
  const mid = (k: keyof OutsideWorld) => median(work.map((w) => w[k]));
  result.sweepWork[phase] = {
    pushes: mid("pushes"),
    letters: mid("letters"),
    redactions: mid("redactions"),
    chatPosts: mid("chatPosts"),
  };
}

const TABLES = [
  "Person",
  "Device",
  "ResetRequest",
  "TimelineEvent",
  "AuditEntry",
  "Delivery",
  "ChatThread",
  "PasscodeHistory",
];

async function runOne(kind: DbKind, plan: FleetPlan, log: (line: string) => void): Promise<FleetDbResult> {
  const target = await openFleetDb(kind);
  const result: FleetDbResult = {
    kind,
    location: target.location,
    seedSec: { inventory: 0, history: 0 },
    rows: {},
    ops: [],
    duties: [],
    sweepWork: {
      empty: { pushes: 0, letters: 0, redactions: 0, chatPosts: 0 },
      full: { pushes: 0, letters: 0, redactions: 0, chatPosts: 0 },
    },
    plans: [],
  };
  try {
    const base = Math.floor(Date.now() / 1000);
    const { engine, world } = fleetEngine(target, []);
    let t0 = performance.now();
    await target.exec(inventorySql(kind, base, plan.size));
    await target.settle();
    result.seedSec.inventory = (performance.now() - t0) / 1000;
    log(
      `fleet ${kind}: inventory loaded in ${result.seedSec.inventory.toFixed(1)} s; measuring with an empty history`,
    );

    const recorder = new QueryRecorder(target);
    await measureOps(engine, plan, "empty", result.ops, recorder);
    await measureSweeps(target, engine, world, plan, "empty", result, recorder);

    t0 = performance.now();
    const chunks = historyChunks(kind, base, plan.size);
    let lastLog = performance.now();
    for (const chunk of chunks) {
      await target.exec(chunk.sql);
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        log(
          `fleet ${kind}: history ${chunk.upTo.toLocaleString("en-US")} / ${plan.size.history.toLocaleString("en-US")}`,
        );
      }
    }
    // PostgreSQL's autovacuum vacuums and analyzes tables this size on its own; done now, so the
    // measurements do not race it and the plans are the settled ones.
    await target.settle();
    result.seedSec.history = (performance.now() - t0) / 1000;
    for (const table of TABLES) {
      const [row] = await target.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM "${table}"`);
      result.rows[table] = Number(row?.n ?? 0);
    }
    log(
      `fleet ${kind}: history loaded in ${result.seedSec.history.toFixed(0)} s (${Object.entries(result.rows)
        .map(([t, n]) => `${t} ${n}`)
        .join(", ")}); measuring with the full history`,
    );

    await measureOps(engine, plan, "full", result.ops, recorder);
    await measureSweeps(target, engine, world, plan, "full", result, recorder);
    result.plans = await explainAll(target, recorder);
    const scans = result.plans.filter((p) => !p.usesIndex).length;
    log(`fleet ${kind}: ${result.plans.length} statements explained, ${scans} read a whole table or index`);
  } finally {
    await target.close();
  }
  return result;
}

export async function runFleetBenchmark(
  settings: Settings,
  log: (line: string) => void,
): Promise<FleetResult> {
  return runFleet(fleetPlan(settings), log);
}

export async function runFleet(plan: FleetPlan, log: (line: string) => void): Promise<FleetResult> {
  const start = loadavg()[0] ?? 0;
  const databases: FleetDbResult[] = [];
  for (const kind of plan.databases) {
    if (kind === "postgresql" && !(await postgresReachable())) {
      if (process.env.CI === "true") throw new Error("fleet benchmark: PostgreSQL does not answer");
      log("fleet postgresql: not reachable, skipped");
      databases.push({
        kind,
        location: "",
        seedSec: { inventory: 0, history: 0 },
        rows: {},
        ops: [],
        duties: [],
        sweepWork: {
          empty: { pushes: 0, letters: 0, redactions: 0, chatPosts: 0 },
          full: { pushes: 0, letters: 0, redactions: 0, chatPosts: 0 },
        },
        plans: [],
        skipped: "PostgreSQL did not answer: skipped.",
      });
      continue;
    }
    databases.push(await runOne(kind, plan, log));
  }
  return { plan, databases, load: { start, end: loadavg()[0] ?? 0 } };
}

// --- Alone --------------------------------------------------------------------------------------

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const settings = args.includes("--ci") ? CI : FULL;
  const history = args.find((a) => a.startsWith("--history="))?.slice(10);
  const plan = fleetPlan(settings, history ? { history: Number(history) } : {});
  if (args.includes("--sqlite-only")) plan.databases = ["sqlite"];
  if (args.includes("--postgresql-only")) plan.databases = ["postgresql"];
  const began = performance.now();
  const log = (line: string) =>
    process.stderr.write(`[fleet ${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
  const result = await runFleet(plan, log);
  process.stdout.write(`## 4. Fleet scale\n\n${fleetTables(result, settings)}\n`);
}
