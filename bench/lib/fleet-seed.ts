// Bulk SQL that fills a migrated Latchkey database with a fleet: people, devices, years of finished
// requests (with their timeline events, deliveries, audit rows, chat threads and passcode history in
// the proportions real requests leave behind), and batches of pending requests for a scheduler
// sweep. Rows are generated inside the database (a recursive CTE on SQLite, generate_series on
// PostgreSQL) by INSERT ... SELECT, one chunk per transaction: nothing goes through the engine.
// Values are written exactly as Prisma writes them (SQLite DateTime: ISO text with "+00:00").
import type { DbKind } from "../../src/adapters/db/open-database.ts";

export interface FleetSize {
  people: number;
  devices: number;
  history: number;
}

/** Runs one or more statements (one transaction per call). */
export type Exec = (statements: string[]) => Promise<void>;

/** People below this index are admins (role "admin"). */
export const ADMINS = 50;
/** Requests of the history per transaction. */
const CHUNK = 50_000;

export const personEmail = (p: number) => `p${String(p).padStart(6, "0")}@fleet.example.com`;
export const deviceId = (d: number) => `fleet-dev-${String(d).padStart(6, "0")}`;

/** SQL fragments that differ between the two databases. */
class Dialect {
  constructor(
    readonly kind: DbKind,
    /** Unix seconds that timestamps are relative to ("now" of the run). */
    readonly base: number,
  ) {}
  /** A CTE `s(n)` over lo..hi-1 (for `WITH RECURSIVE`). */
  series(lo: number, hi: number): string {
    return this.kind === "sqlite"
      ? `s(n) AS (SELECT ${lo} UNION ALL SELECT n + 1 FROM s WHERE n < ${hi - 1})`
      : `s(n) AS (SELECT generate_series(${lo}::bigint, ${hi - 1}::bigint))`;
  }
  hex8(expr: string): string {
    return this.kind === "sqlite" ? `printf('%08x', ${expr})` : `lpad(to_hex(${expr}), 8, '0')`;
  }
  pad6(expr: string): string {
    return this.kind === "sqlite" ? `printf('%06d', ${expr})` : `lpad((${expr})::text, 6, '0')`;
  }
  /** A timestamp `secondsExpr` seconds after `base` (negative: before). */
  ts(secondsExpr: string): string {
    return this.kind === "sqlite"
      ? `(strftime('%Y-%m-%dT%H:%M:%f', ${this.base} + (${secondsExpr}), 'unixepoch') || '+00:00')`
      : `(timestamp 'epoch' + (${this.base} + (${secondsExpr})) * interval '1 second')`;
  }
  bool(expr: string): string {
    return this.kind === "sqlite" ? `(CASE WHEN ${expr} THEN 1 ELSE 0 END)` : `(${expr})`;
  }
  get t(): string {
    return this.kind === "sqlite" ? "1" : "true";
  }
  get f(): string {
    return this.kind === "sqlite" ? "0" : "false";
  }
  /** Request id of the history request n: a scattered prefix (ids are random in production) and n. */
  requestId(n: string): string {
    return `('rq_' || ${this.hex8(`(${n} * 2654435761) % 4294967296`)} || ${this.hex8(n)})`;
  }
  personEmail(p: string): string {
    return `('p' || ${this.pad6(p)} || '@fleet.example.com')`;
  }
  deviceId(d: string): string {
    return `('fleet-dev-' || ${this.pad6(d)})`;
  }
}

// --- Inventory --------------------------------------------------------------------------------

export function inventorySql(kind: DbKind, base: number, size: FleetSize): string[] {
  const d = new Dialect(kind, base);
  const out: string[] = [];
  out.push(
    `WITH RECURSIVE ${d.series(0, size.people)}
     INSERT INTO "Person" ("email", "name", "role", "createdAt", "updatedAt")
     SELECT ${d.personEmail("n")}, 'Person ' || n, CASE WHEN n < ${ADMINS} THEN 'admin' ELSE 'employee' END,
            ${d.ts("-94608000")}, ${d.ts("-94608000")}
     FROM s`,
  );
  // Devices: owner d % people (two devices a person), 60 % Android device owner, 40 % iOS MDM,
  // enrolled, seen in the last day; a few percent on an old OS or without a passcode policy.
  out.push(
    `WITH RECURSIVE ${d.series(0, size.devices)}
     INSERT INTO "Device" ("id", "ownerEmail", "name", "platform", "osVersion", "managementMode", "passcodeSet",
       "policyEnforced", "policyType", "policyMinLength", "policyComplexity", "resetTokenActive", "lastSeenAt",
       "pushToken", "secretHash", "createdAt", "updatedAt")
     SELECT ${d.deviceId("n")}, ${d.personEmail(`n % ${size.people}`)},
       CASE WHEN n % 5 < 3 THEN 'Pixel ' || (6 + n % 4) ELSE 'iPhone ' || (12 + n % 4) END,
       CASE WHEN n % 5 < 3 THEN 'android' ELSE 'ios' END,
       CASE WHEN n % 5 < 3 THEN (CASE WHEN n % 50 = 0 THEN '7' ELSE '14' END) ELSE '17.5' END,
       CASE WHEN n % 5 < 3 THEN 'device_owner' ELSE 'mdm' END,
       ${d.bool("n % 40 <> 1")}, ${d.bool("n % 10 <> 3")}, 'numeric', 6, 'medium', ${d.t},
       ${d.ts("-(n % 86400)")}, 'push-' || n, 'secret-' || n, ${d.ts("-63072000")}, ${d.ts("-(n % 86400)")}
     FROM s`,
  );
  return out;
}

// --- History of finished requests -------------------------------------------------------------
// Category of request n by n % 100: A 0-74 completed reset (email + Slack DM, redacted, purged),
// B 75-82 completed lock, C 83-88 expired, D 89-92 failed, E 93-96 cancelled, F 97-99 refused.

const CATEGORY = `CASE WHEN n % 100 < 75 THEN 'A' WHEN n % 100 < 83 THEN 'B' WHEN n % 100 < 89 THEN 'C'
  WHEN n % 100 < 93 THEN 'D' WHEN n % 100 < 97 THEN 'E' ELSE 'F' END`;

const STATE: Record<string, string> = {
  A: "completed",
  B: "completed",
  C: "expired",
  D: "failed",
  E: "cancelled",
  F: "refused",
};

/** Timeline event types per category, in order (as the engine writes them). */
export const EVENTS: Record<string, string[]> = {
  A: [
    "requested",
    "checked",
    "passcode_generated",
    "pushed",
    "received",
    "passcode_reset",
    "locked",
    "delivered",
    "delivered",
    "completed",
    "passcode_purged",
    "redacted",
  ],
  B: ["requested", "checked", "pushed", "received", "locked", "completed"],
  C: ["requested", "checked", "passcode_generated", "pushed", "push_retry", "expired"],
  D: ["requested", "checked", "passcode_generated", "pushed", "received", "failed"],
  E: ["requested", "checked", "passcode_generated", "cancelled"],
  F: ["requested", "refused"],
};

/** Audit actions per category. */
export const AUDITS: Record<string, string[]> = {
  A: ["authorize.reset", "reset", "passcode.delivery", "passcode.delivery", "passcode.redact"],
  B: ["authorize.report_lost", "report_lost"],
  C: ["authorize.reset", "reset", "request.expire"],
  D: ["authorize.reset", "reset", "device.failed"],
  E: ["authorize.reset", "reset", "request.cancel"],
  F: ["authorize.reset", "reset"],
};

const WEIGHT: Record<string, number> = { A: 75, B: 8, C: 6, D: 4, E: 4, F: 3 };

/** Rows per finished request, on average (for the report). */
export function historyProportions(): {
  events: number;
  audit: number;
  deliveries: number;
  threads: number;
  passcodeHistory: number;
} {
  const avg = (f: (c: string) => number) =>
    Object.keys(WEIGHT).reduce((sum, c) => sum + (WEIGHT[c] ?? 0) * f(c), 0) / 100;
  return {
    events: avg((c) => EVENTS[c]?.length ?? 0),
    audit: avg((c) => AUDITS[c]?.length ?? 0),
    deliveries: avg((c) => (c === "A" ? 2 : 0)),
    threads: avg((c) => (c === "F" ? 0 : 1)),
    passcodeHistory: avg((c) => (["A", "C", "D", "E"].includes(c) ? 1 : 0)),
  };
}

const values = (table: Record<string, string[]>) =>
  Object.entries(table)
    .flatMap(([cat, list]) => list.map((v, k) => `('${cat}', ${k}, '${v}')`))
    .join(", ");

/** History spans three years before `base`; each request runs two minutes. */
const SPAN_SEC = 3 * 365 * 86400;

export function historyChunks(
  kind: DbKind,
  base: number,
  size: FleetSize,
): { upTo: number; sql: string[] }[] {
  const d = new Dialect(kind, base);
  const spacing = SPAN_SEC / Math.max(1, size.history);
  const created = `(-${SPAN_SEC} + CAST(n * ${spacing.toFixed(3)} AS INTEGER))`;
  const id = d.requestId("n");
  const device = d.deviceId(`(n * 7919) % ${size.devices}`);
  const admin = d.personEmail(`n % ${ADMINS}`);
  const chunks: { upTo: number; sql: string[] }[] = [];
  for (let lo = 0; lo < size.history; lo += CHUNK) {
    const hi = Math.min(size.history, lo + CHUNK);
    const w = `WITH RECURSIVE ${d.series(lo, hi)}`;
    const sql: string[] = [];
    sql.push(
      `${w}, c(n, cat) AS (SELECT n, ${CATEGORY} FROM s)
       INSERT INTO "ResetRequest" ("id", "kind", "deviceId", "requestedBy", "surface", "notifyUser", "state",
         "idempotencyKeyHash", "pushAttempts", "expiresAt", "outcome", "createdAt", "updatedAt", "finishedAt", "purgedAt")
       SELECT ${id}, CASE WHEN cat = 'B' THEN 'lock' ELSE 'reset_and_lock' END, ${device},
         CASE WHEN cat = 'B' THEN ${d.personEmail(`((n * 7919) % ${size.devices}) % ${size.people}`)} ELSE ${admin} END,
         CASE n % 3 WHEN 0 THEN 'slack' WHEN 1 THEN 'teams' ELSE 'cli' END, ${d.bool("n % 4 = 0")},
         CASE cat ${Object.entries(STATE)
           .map(([c, s]) => `WHEN '${c}' THEN '${s}'`)
           .join(" ")} END,
         CASE WHEN n % 3 = 0 THEN 'idem-' || ${d.hex8(`(n * 40503) % 4294967296`)} || ${d.hex8("n")} ELSE NULL END,
         CASE WHEN cat IN ('E', 'F') THEN 0 WHEN cat = 'C' THEN 4 ELSE 1 END,
         ${d.ts(`${created} + 86400`)}, 'Finished request ' || n || ' (benchmark history).',
         ${d.ts(created)}, ${d.ts(`${created} + 120`)},
         ${d.ts(`${created} + CASE WHEN cat = 'C' THEN 86400 ELSE 120 END`)},
         CASE WHEN cat IN ('A', 'C', 'D', 'E') THEN ${d.ts(`${created} + 3720`)} ELSE NULL END
       FROM c`,
    );
    sql.push(
      `${w}, c(n, cat) AS (SELECT n, ${CATEGORY} FROM s), t(cat, k, type) AS (VALUES ${values(EVENTS)})
       INSERT INTO "TimelineEvent" ("requestId", "at", "type", "actor", "detail")
       SELECT ${id}, ${d.ts(`${created} + t.k * 10`)}, t.type,
         CASE WHEN t.k = 0 THEN ${admin} ELSE 'latchkey' END,
         'Benchmark history: ' || t.type || ' for request ' || n || ' on its device.'
       FROM c JOIN t ON t.cat = c.cat`,
    );
    sql.push(
      `${w}, c(n, cat) AS (SELECT n, ${CATEGORY} FROM s), t(cat, k, action) AS (VALUES ${values(AUDITS)})
       INSERT INTO "AuditEntry" ("at", "actor", "surface", "action", "outcome", "deviceId", "requestId", "detail")
       SELECT ${d.ts(`${created} + t.k * 10`)}, CASE WHEN t.k < 2 THEN ${admin} ELSE 'latchkey' END,
         CASE WHEN t.k < 2 THEN 'slack' ELSE 'system' END, t.action,
         CASE WHEN c.cat = 'F' AND t.k = 1 THEN 'refused' ELSE 'ok' END, ${device}, ${id},
         'Benchmark history: ' || t.action
       FROM c JOIN t ON t.cat = c.cat`,
    );
    sql.push(
      `${w}, c(n, cat) AS (SELECT n, ${CATEGORY} FROM s), ch(k, channel) AS (VALUES (0, 'email'), (1, 'slack_dm'))
       INSERT INTO "Delivery" ("id", "requestId", "recipientEmail", "channel", "status", "attempts", "sentAt",
         "externalRef", "redactedAt", "createdAt")
       SELECT 'dl_' || ${d.hex8("n")} || '_' || ch.k, ${id}, ${admin}, ch.channel, 'sent', 1, ${d.ts(`${created} + 70`)},
         CASE WHEN ch.k = 1 THEN 'D0FLEET:' || n ELSE NULL END,
         CASE WHEN ch.k = 1 THEN ${d.ts(`${created} + 3670`)} ELSE NULL END, ${d.ts(`${created} + 60`)}
       FROM c JOIN ch ON c.cat = 'A'`,
    );
    sql.push(
      `${w}, c(n, cat) AS (SELECT n, ${CATEGORY} FROM s)
       INSERT INTO "ChatThread" ("id", "requestId", "surface", "purpose", "conversation", "messageId", "shownState",
         "syncedEventId", "open", "createdAt", "updatedAt")
       SELECT 'th_' || ${id} || '_slack_requester', ${id}, 'slack', 'requester', 'C0FLEET', 'ts-' || n,
         CASE cat ${Object.entries(STATE)
           .map(([c, s]) => `WHEN '${c}' THEN '${s}'`)
           .join(" ")} END, 0, ${d.f}, ${d.ts(created)}, ${d.ts(`${created} + 130`)}
       FROM c WHERE cat <> 'F'`,
    );
    sql.push(
      `${w}, c(n, cat) AS (SELECT n, ${CATEGORY} FROM s)
       INSERT INTO "PasscodeHistory" ("deviceId", "digest", "createdAt")
       SELECT ${device}, 'digest-' || n, ${d.ts(`${created} + 20`)}
       FROM c WHERE cat IN ('A', 'C', 'D', 'E')`,
    );
    chunks.push({ upTo: hi, sql });
  }
  return chunks;
}

// --- Pending requests for one scheduler sweep -------------------------------------------------
// 1,000 requests with work due, on devices 0..999 of the fleet (none of which has an active request
// in the history): 600 pushed and due for a re-push, 100 with a generated passcode not pushed yet,
// 100 pushed and past their expiry, 100 locked with their email delivery due, 100 completed more
// than an hour ago with their passcode still stored and a Slack DM due for redaction. Each has an
// open chat thread. Ids start with "rqp_" so a batch can be removed before the next.

export const PENDING = 1000;

export function pendingSql(kind: DbKind, base: number, cipher: string): string[] {
  const d = new Dialect(kind, base);
  const id = `('rqp_' || ${d.pad6("n")})`;
  const group = `CASE WHEN n < 600 THEN 'repush' WHEN n < 700 THEN 'generated' WHEN n < 800 THEN 'expiring'
    WHEN n < 900 THEN 'locked' ELSE 'purge' END`;
  const w = `WITH RECURSIVE ${d.series(0, PENDING)}, c(n, g) AS (SELECT n, ${group} FROM s)`;
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return [
    `${w}
     INSERT INTO "ResetRequest" ("id", "kind", "deviceId", "requestedBy", "surface", "notifyUser", "state",
       "activeDeviceId", "passcodeCipher", "pushAttempts", "nextPushAt", "expiresAt", "createdAt", "updatedAt",
       "finishedAt", "outcome")
     SELECT ${id}, 'reset_and_lock', ${d.deviceId("n")}, ${d.personEmail(`n % ${ADMINS}`)}, 'slack', ${d.f},
       CASE g WHEN 'repush' THEN 'pushed' WHEN 'generated' THEN 'passcode_generated' WHEN 'expiring' THEN 'pushed'
         WHEN 'locked' THEN 'locked' ELSE 'completed' END,
       CASE WHEN g = 'purge' THEN NULL ELSE ${d.deviceId("n")} END, ${q(cipher)},
       CASE WHEN g = 'generated' THEN 0 ELSE 1 END,
       CASE WHEN g IN ('repush', 'generated', 'expiring') THEN ${d.ts("-60")} ELSE NULL END,
       CASE WHEN g = 'expiring' THEN ${d.ts("-60")} WHEN g = 'purge' THEN ${d.ts("79200")} ELSE ${d.ts("72000")} END,
       ${d.ts("CASE WHEN g IN ('expiring', 'purge') THEN -86460 ELSE -900 END")}, ${d.ts("-600")},
       CASE WHEN g = 'purge' THEN ${d.ts("-7200")} ELSE NULL END,
       CASE WHEN g = 'purge' THEN 'Passcode reset and device locked.' ELSE NULL END
     FROM c`,
    `${w}, t(k, type) AS (VALUES (0, 'requested'), (1, 'checked'), (2, 'passcode_generated'), (3, 'pushed'))
     INSERT INTO "TimelineEvent" ("requestId", "at", "type", "actor", "detail")
     SELECT ${id}, ${d.ts("-900 + t.k")}, t.type, 'latchkey', 'Benchmark sweep: ' || t.type
     FROM c JOIN t ON t.k < CASE WHEN g = 'generated' THEN 3 ELSE 4 END`,
    `${w}
     INSERT INTO "Delivery" ("id", "requestId", "recipientEmail", "channel", "status", "attempts", "nextAttemptAt",
       "sentAt", "externalRef", "redactAt", "createdAt")
     SELECT 'dlp_' || ${d.pad6("n")}, ${id}, ${d.personEmail(`n % ${ADMINS}`)},
       CASE WHEN g = 'locked' THEN 'email' ELSE 'slack_dm' END,
       CASE WHEN g = 'locked' THEN 'pending' ELSE 'sent' END, CASE WHEN g = 'locked' THEN 0 ELSE 1 END,
       CASE WHEN g = 'locked' THEN ${d.ts("-30")} ELSE NULL END,
       CASE WHEN g = 'purge' THEN ${d.ts("-7200")} ELSE NULL END,
       CASE WHEN g = 'purge' THEN 'D0FLEET:p' || n ELSE NULL END,
       CASE WHEN g = 'purge' THEN ${d.ts("-3600")} ELSE NULL END, ${d.ts("-600")}
     FROM c WHERE g IN ('locked', 'purge')`,
    `${w}
     INSERT INTO "ChatThread" ("id", "requestId", "surface", "purpose", "conversation", "messageId", "shownState",
       "syncedEventId", "open", "createdAt", "updatedAt")
     SELECT 'th_' || ${id} || '_slack_requester', ${id}, 'slack', 'requester', 'C0FLEET', 'tsp-' || n, NULL, 0,
       ${d.t}, ${d.ts("-900")}, ${d.ts("-900 + n % 600")}
     FROM c`,
  ];
}

/** Removes a pending batch (and what the sweep added to it) so the next sweep starts the same. */
export function clearPendingSql(): string[] {
  const batch = `SELECT "id" FROM "ResetRequest" WHERE "id" BETWEEN 'rqp_000000' AND 'rqp_999999'`;
  return [
    `DELETE FROM "ChatThread" WHERE "requestId" IN (${batch})`,
    `DELETE FROM "TimelineEvent" WHERE "requestId" IN (${batch})`,
    `DELETE FROM "Delivery" WHERE "requestId" IN (${batch})`,
    `DELETE FROM "ResetRequest" WHERE "id" IN (${batch})`,
  ];
}
