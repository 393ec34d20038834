// Helpers for crash-intune.rtest.ts (issue 17 under SIGKILL and replicas): `latchkey` as a real
// process with the servers' settings, the timeline a reset through Intune must have, every row of
// the database as text (to search for a passcode), and which process claimed each scheduler fire.
import { spawn } from "node:child_process";
import type { Core } from "../../../src/compose.ts";
import { canMove, STATE_LABELS } from "../../../src/core/lifecycle.ts";
import type { RequestState, TimelineEvent } from "../../../src/core/types.ts";
import { dumpSchema } from "./fixtures.ts";
import { ROOT } from "./processes.ts";

export interface CliRun {
  args: string[];
  code: number | null;
  out: string;
  err: string;
}

/** Runs `latchkey <args>` (node --import tsx src/cli/main.ts) to its end; fails at the deadline. */
export async function latchkey(args: string[], env: Record<string, string>, ms = 60_000): Promise<CliRun> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: CliRun = { args, code: null, out: "", err: "" };
  child.stdout?.on("data", (c: Buffer) => {
    run.out += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    run.err += c.toString("utf8");
  });
  const closed = new Promise<number | null>((ok) => child.once("close", (code) => ok(code)));
  let timer: NodeJS.Timeout | undefined;
  try {
    run.code = await Promise.race([
      closed,
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          fail(new Error(`latchkey ${args.join(" ")} still running after ${ms} ms:\n${run.out}\n${run.err}`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  return run;
}

/**
 * Problems with the timeline of a reset through Intune that completed (empty when right): exactly
 * requested, checked, pushed, passcode_reset, lock_sent, locked, one `delivered` per recipient,
 * completed; nothing else (no retry, no failure), and each state change one Intune's lifecycle allows.
 */
export function intuneTimelineProblems(events: TimelineEvent[], recipients: number): string[] {
  const types = events.map((e) => e.type);
  const expected = [
    "requested",
    "checked",
    "pushed",
    "passcode_reset",
    "lock_sent",
    "locked",
    ...Array.from({ length: recipients }, () => "delivered"),
    "completed",
  ];
  const problems: string[] = [];
  if (types.join(",") !== expected.join(",")) {
    problems.push(`timeline ${types.join(" > ")}; expected ${expected.join(" > ")}`);
  }
  const states = types.filter((t): t is RequestState => t in STATE_LABELS);
  for (let i = 1; i < states.length; i++) {
    const [from, to] = [states[i - 1] as RequestState, states[i] as RequestState];
    if (!canMove("reset_and_lock", from, to, "intune")) problems.push(`${from} -> ${to} is not a legal move`);
  }
  return problems;
}

/** Every row of every table, as text: a passcode must be in none of them (it is stored only sealed). */
export async function everyRow(core: Core, pgSchema: string | null): Promise<string[]> {
  if (pgSchema) return dumpSchema(pgSchema);
  const db = core.database.db;
  const tables = await db.$queryRawUnsafe<{ name: string }[]>(
    "SELECT name FROM sqlite_master WHERE type = 'table'",
  );
  const rows: string[] = [];
  for (const { name } of tables) {
    const all = await db.$queryRawUnsafe<unknown[]>(`SELECT * FROM "${name.replaceAll('"', '""')}"`);
    for (const row of all) {
      rows.push(`${name}: ${JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
    }
  }
  return rows;
}

/** How many fires of a scheduler job each process claimed since `since`, by its owner (`pid@port`). */
export async function firesByOwner(core: Core, job: string, since: Date): Promise<Map<string, number>> {
  const runs = await core.database.db.jobRun.findMany({
    where: { jobName: job, claimedAt: { gte: since } },
    select: { claimedBy: true },
  });
  const by = new Map<string, number>();
  for (const r of runs) by.set(r.claimedBy, (by.get(r.claimedBy) ?? 0) + 1);
  return by;
}
