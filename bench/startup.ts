// Benchmark 5, start-up: how long a new process takes until /healthz answers 200, and how much
// memory it holds once idle. Latchkey is started cold (a new data folder, so migrations and the
// demo inventory run, and tsx's transform cache off, as on a fresh deployment), on a new data
// folder with the cache warm, and warm (the same data folder again). The baselines start warm.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeSlackProcess } from "./lib/fake-slack.ts";
import { memoryOf } from "./lib/processes.ts";
import { startTarget, type TargetName } from "./lib/targets.ts";
import type { Settings } from "./settings.ts";

export interface StartupVariant {
  target: TargetName;
  variant: string;
  healthyMs: number[];
  firstResponseMs: number[];
  idleRssMiB: number[];
}

interface Plan {
  target: TargetName;
  variant: string;
  /** Latchkey: a new data folder for each launch, or one shared by all. */
  freshData?: boolean;
  env?: Record<string, string>;
}

const PLANS: Plan[] = [
  {
    target: "Latchkey",
    variant: "cold: new data folder, no tsx cache",
    freshData: true,
    env: { TSX_DISABLE_CACHE: "1" },
  },
  { target: "Latchkey", variant: "new data folder, tsx cache warm", freshData: true },
  { target: "Latchkey", variant: "warm: existing data folder", freshData: false },
  { target: "bare Bolt", variant: "warm" },
  { target: "node:http", variant: "warm" },
];

export async function runStartupBenchmark(
  s: Settings,
  fake: FakeSlackProcess,
  log: (line: string) => void,
): Promise<StartupVariant[]> {
  const shared = mkdtempSync(join(tmpdir(), "latchkey-bench-warm-"));
  try {
    // The shared folder is created (and the tsx cache filled) before the warm launches are timed.
    await (await startTarget("Latchkey", { slackApiUrl: fake.apiUrl, dataDir: shared })).stop();
    const out: StartupVariant[] = [];
    for (const plan of PLANS) {
      const row: StartupVariant = {
        target: plan.target,
        variant: plan.variant,
        healthyMs: [],
        firstResponseMs: [],
        idleRssMiB: [],
      };
      for (let i = 1; i <= s.startups; i++) {
        log(`start-up ${plan.target} (${plan.variant}) ${i}/${s.startups}`);
        const target = await startTarget(plan.target, {
          slackApiUrl: fake.apiUrl,
          ...(plan.target === "Latchkey" && plan.freshData === false ? { dataDir: shared } : {}),
          ...(plan.env ? { env: plan.env } : {}),
        });
        try {
          row.healthyMs.push(target.startup.healthyMs);
          row.firstResponseMs.push(target.startup.firstResponseMs);
          await new Promise((ok) => setTimeout(ok, s.idleMs));
          row.idleRssMiB.push(memoryOf(target.child.pid).rssMiB);
        } finally {
          await target.stop();
        }
      }
      out.push(row);
    }
    await fake.reset();
    return out;
  } finally {
    rmSync(shared, { recursive: true, force: true });
  }
}
