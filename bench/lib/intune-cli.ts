// Benchmark 7's measuring hands: the real `latchkey sync intune` as a child process (its wall time,
// and its memory read from /proc every 100 ms), and what the database holds after each sync.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../../src/adapters/db/open-database.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface SyncCounts {
  added: number;
  updated: number;
  unchanged: number;
  retired: number;
  people: number;
  skipped: number;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** The child's peak resident set (VmHWM), KiB: the last reading before it exited. */
  peakRssKiB: number;
  /** Readings of /proc/<pid>/status taken. */
  samples: number;
  /** The counts the CLI printed; null when it printed none. */
  counts: SyncCounts | null;
}

const SUMMARY =
  /Intune sync: (\d+) added, (\d+) updated, (\d+) unchanged, (\d+) retired, (\d+) people added, (\d+) skipped\./;

export function parseCounts(stdout: string): SyncCounts | null {
  const m = SUMMARY.exec(stdout);
  if (!m) return null;
  const [added, updated, unchanged, retired, people, skipped] = m.slice(1).map(Number) as number[];
  return {
    added: added ?? 0,
    updated: updated ?? 0,
    unchanged: unchanged ?? 0,
    retired: retired ?? 0,
    people: people ?? 0,
    skipped: skipped ?? 0,
  };
}

function status(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
  } catch {
    return null; // exited between two readings
  }
}

/**
 * `latchkey <args>` as `npm run latchkey` runs it (`node --import tsx src/cli/main.ts`), but started
 * here directly, so that the pid read is the CLI's own node process, not npm's or a shell's.
 */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 600_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pid = child.pid;
    if (pid === undefined) return reject(new Error("latchkey CLI did not start"));
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      stdout += t;
    });
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
    });
    let peak = 0;
    let samples = 0;
    const read = () => {
      const s = status(pid);
      if (!s) return;
      samples++;
      peak = Math.max(peak, s.hwm, s.rss);
    };
    read();
    const sampler = setInterval(read, 100);
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearInterval(sampler);
      clearTimeout(killer);
      reject(e);
    });
    child.on("close", (code) => {
      const wallMs = performance.now() - began;
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({ code, stdout, stderr, wallMs, peakRssKiB: peak, samples, counts: parseCounts(stdout) });
    });
  });
}

/** What the database holds, read after a sync. */
export interface DbState {
  devices: number;
  liveDevices: number;
  retiredDevices: number;
  people: number;
  deviceUpdatedMax: number | null;
  personUpdatedMax: number | null;
  audits: number;
  syncAudits: { ok: number; failed: number };
  /** Live devices whose updatedAt is after `since.devices` (0 when not given). */
  devicesUpdatedSince: number;
  /** People whose updatedAt is after `since.people` (0 when not given). */
  peopleUpdatedSince: number;
}

/** Counts and latest `updatedAt`s; `since` (ms since the epoch): the latest of the state before. */
export async function dbState(
  url: string,
  since: { devices: number | null; people: number | null } = { devices: null, people: null },
): Promise<DbState> {
  const database = await openDatabase(url);
  try {
    const { db } = database;
    const [devices, retiredDevices, people, deviceMax, personMax, audits, ok, failed] = await Promise.all([
      db.device.count(),
      db.device.count({ where: { retiredAt: { not: null } } }),
      db.person.count(),
      db.device.aggregate({ _max: { updatedAt: true } }),
      db.person.aggregate({ _max: { updatedAt: true } }),
      db.auditEntry.count(),
      db.auditEntry.count({ where: { action: "inventory.sync", outcome: "ok" } }),
      db.auditEntry.count({ where: { action: "inventory.sync", outcome: { not: "ok" } } }),
    ]);
    const devicesUpdatedSince =
      since.devices === null
        ? 0
        : await db.device.count({ where: { retiredAt: null, updatedAt: { gt: new Date(since.devices) } } });
    const peopleUpdatedSince =
      since.people === null
        ? 0
        : await db.person.count({ where: { updatedAt: { gt: new Date(since.people) } } });
    return {
      devices,
      liveDevices: devices - retiredDevices,
      retiredDevices,
      people,
      deviceUpdatedMax: deviceMax._max.updatedAt?.getTime() ?? null,
      personUpdatedMax: personMax._max.updatedAt?.getTime() ?? null,
      audits,
      syncAudits: { ok, failed },
      devicesUpdatedSince,
      peopleUpdatedSince,
    };
  } finally {
    await database.close();
  }
}
