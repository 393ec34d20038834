// Shared by the fuzz suites: how many runs each property gets (modest by default so `npm test`
// stays fast; FUZZ_RUNS raises every property to that many), snapshots of the tables a refused
// input must never change, the audit rows written since a mark, and the tally of inputs tried,
// merged into one JSON report (FUZZ_REPORT, else a file in the temp folder) across the suites.
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { get } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Db } from "../../src/adapters/db/open-database.ts";

/** Runs for one property: `base` in `npm test`, FUZZ_RUNS (when set) for the long run. */
export function runs(base: number): number {
  const wanted = Number(process.env.FUZZ_RUNS || "0");
  return Number.isInteger(wanted) && wanted > 0 ? wanted : base;
}

/** A test timeout for `n` runs of about `msPerRun` each, never under vitest's usual 30 s. */
export function timeoutFor(n: number, msPerRun: number): number {
  return Math.max(30_000, n * msPerRun + 20_000);
}

/** Seed fast-check from FUZZ_SEED to replay a failure the report printed. */
export function seedOption(): { seed?: number } {
  const given = process.env.FUZZ_SEED ?? "";
  const seed = Number(given);
  return given !== "" && Number.isInteger(seed) ? { seed } : {};
}

/**
 * The state a malformed or refused input must leave as it was: people, devices, requests, their
 * timeline events, deliveries, chat threads and passcode history (the audit table is left out: a
 * refusal is legitimately recorded there).
 */
export const GUARDED_TABLES = [
  "Person",
  "Device",
  "ResetRequest",
  "TimelineEvent",
  "Delivery",
  "ChatThread",
  "PasscodeHistory",
] as const;

export type Snapshot = Record<(typeof GUARDED_TABLES)[number], string[]>;

/**
 * Every row of the guarded tables, each as a stable string, sorted. `ignore` names columns left
 * out (a device's lastSeenAt moves with every authenticated call, whatever its body).
 */
export async function snapshot(
  db: Db,
  ignore: Partial<Record<keyof Snapshot, string[]>> = {},
): Promise<Snapshot> {
  const out = {} as Snapshot;
  for (const table of GUARDED_TABLES) {
    const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "${table}"`);
    out[table] = rows.map((r) => stable(r, ignore[table] ?? [])).sort();
  }
  return out;
}

function stable(row: Record<string, unknown>, ignore: string[]): string {
  const keys = Object.keys(row)
    .filter((k) => !ignore.includes(k))
    .sort();
  return JSON.stringify(keys.map((k) => [k, normal(row[k])]));
}

function normal(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  return v;
}

/** Fails with the rows that appeared or vanished, table by table. */
export function expectUnchanged(before: Snapshot, after: Snapshot, what: string): void {
  const diff: Record<string, { added: string[]; removed: string[] }> = {};
  for (const table of GUARDED_TABLES) {
    const was = new Set(before[table]);
    const now = new Set(after[table]);
    const added = after[table].filter((r) => !was.has(r));
    const removed = before[table].filter((r) => !now.has(r));
    if (added.length || removed.length) diff[table] = { added, removed };
  }
  expect(diff, `${what} changed the state`).toEqual({});
}

export interface AuditRow {
  id: number;
  actor: string;
  surface: string;
  action: string;
  outcome: string;
  deviceId: string | null;
  requestId: string | null;
  detail: string;
}

/** The id of the newest audit row (0 when none): pass it to auditSince. */
export async function auditMark(db: Db): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ id: number | bigint | null }[]>(
    `SELECT MAX("id") AS "id" FROM "AuditEntry"`,
  );
  return Number(rows[0]?.id ?? 0);
}

/** Audit rows written after `mark`, oldest first. */
export async function auditSince(db: Db, mark: number): Promise<AuditRow[]> {
  const rows = await db.$queryRawUnsafe<AuditRow[]>(
    `SELECT "id", "actor", "surface", "action", "outcome", "deviceId", "requestId", "detail"
       FROM "AuditEntry" WHERE "id" > ${Number(mark)} ORDER BY "id"`,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** The server still answers its health check (it did not crash or wedge). */
export async function expectHealthy(baseUrl: string): Promise<void> {
  // On a connection of its own: one a refused request left behind must not be reused.
  const status = await new Promise<number>((ok, fail) => {
    get(`${baseUrl}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => ok(res.statusCode ?? 0));
    }).on("error", fail);
  });
  expect(status).toBe(200);
}

/** Counts the inputs a suite tried, by kind; `save()` merges them into the report. */
export function inputTally(suite: string) {
  const counts: Record<string, number> = {};
  return {
    add(kind: string, n = 1): void {
      counts[kind] = (counts[kind] ?? 0) + n;
    },
    counts,
    save(): string {
      return recordInputs(suite, counts);
    },
  };
}

export function reportPath(): string {
  return process.env.FUZZ_REPORT || join(tmpdir(), "latchkey-fuzz-report.json");
}

interface Report {
  description: string;
  total: number;
  suites: Record<string, { total: number; byKind: Record<string, number>; at: string; runs: string }>;
}

/**
 * Merges one suite's counts into the report file. Suites run in parallel processes, so the
 * read-modify-write is done under a lock file (created exclusively, removed after).
 */
export function recordInputs(suite: string, byKind: Record<string, number>): string {
  const path = reportPath();
  const lock = `${path}.lock`;
  const deadline = Date.now() + 10_000;
  let fd: number | null = null;
  while (fd === null) {
    try {
      fd = openSync(lock, "wx");
    } catch {
      if (Date.now() > deadline) {
        // A lock left by a killed run: take it over.
        unlinkSync(lock);
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    let report: Report = { description: "", total: 0, suites: {} };
    if (existsSync(path)) {
      try {
        report = JSON.parse(readFileSync(path, "utf8")) as Report;
      } catch {
        // An unreadable report is replaced.
      }
    }
    const total = Object.values(byKind).reduce((a, b) => a + b, 0);
    report.suites = {
      ...report.suites,
      [suite]: {
        total,
        byKind,
        at: new Date().toISOString(),
        runs: process.env.FUZZ_RUNS ? `FUZZ_RUNS=${process.env.FUZZ_RUNS}` : "default",
      },
    };
    report.total = Object.values(report.suites).reduce((a, s) => a + s.total, 0);
    report.description =
      "Malformed and random inputs sent to a running Latchkey by test/fuzz (each suite's latest run).";
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
    renameSync(tmp, path);
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
  return path;
}

/**
 * Sends raw HTTP/1.1 (the head lines joined by CRLF), then `chunks` chunks of `chunkSize` bytes as
 * long as the server reads; returns the status line's code and the body of the first answer.
 */
export function rawRequest(
  url: URL,
  head: string[],
  stream: { chunks: number; chunkSize: number } | null = null,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let data = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${head[0]} within 10 s`));
    }, 10_000);
    const finish = () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      const body = data.split("\r\n\r\n").slice(1).join("\r\n\r\n");
      socket.destroy();
      resolve({ status, body });
    };
    socket.on("data", (d) => {
      data += d.toString("utf8");
      if (/\r\n\r\n/.test(data)) {
        const length = Number(/content-length: (\d+)/i.exec(data)?.[1] ?? -1);
        const body = data.split("\r\n\r\n").slice(1).join("\r\n\r\n");
        if (length < 0 || Buffer.byteLength(body) >= length) finish();
      }
    });
    socket.on("error", (err) => {
      // The server may close the socket after its 413 while we are still writing: that is fine.
      if (data) finish();
      else {
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on("close", () => {
      if (data) finish();
    });
    socket.on("connect", () => {
      socket.write(head.join("\r\n"));
      if (!stream) return;
      const chunk = `${stream.chunkSize.toString(16)}\r\n${"x".repeat(stream.chunkSize)}\r\n`;
      let sent = 0;
      const pump = () => {
        while (sent < stream.chunks && !data && !socket.destroyed) {
          sent++;
          if (!socket.write(chunk)) return void socket.once("drain", pump);
        }
        if (sent >= stream.chunks && !socket.destroyed && !data) socket.write("0\r\n\r\n");
      };
      pump();
    });
  });
}
