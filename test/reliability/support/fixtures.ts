// Shared set-up for the reliability runs: a PostgreSQL schema of its own, an inventory of
// resettable devices, a Firebase service account for the FCM fake, and checks on timelines.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createLogger } from "../../../src/adapters/log/logger.ts";
import { type Core, composeCore } from "../../../src/compose.ts";
import { loadConfig } from "../../../src/config.ts";
import type { DeviceInput, PersonInput } from "../../../src/core/ports.ts";
import { FINAL_STATES, type TimelineEvent } from "../../../src/core/types.ts";
import { PG_URL } from "../../support/databases.ts";

export const ADMIN = "ada.admin@example.com";

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `latchkey-rel-${name}-`));
}

export function passcodeKey(): string {
  return randomBytes(32).toString("hex");
}

export function pgSchemaUrl(prefix: string): { url: string; schema: string; drop(): Promise<void> } {
  const schema = `rel_${prefix}_${randomBytes(4).toString("hex")}`;
  const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${schema}`;
  return {
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/** A service-account file with a real RSA key: firebase-admin signs its token request with it. */
export function serviceAccountFile(dir: string, projectId = "latchkey-reliability"): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const file = join(dir, "service-account.json");
  writeFileSync(
    file,
    JSON.stringify({
      type: "service_account",
      project_id: projectId,
      private_key_id: "reliability",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      client_email: `latchkey@${projectId}.iam.gserviceaccount.com`,
      client_id: "1",
      token_uri: "https://oauth2.googleapis.com/token",
    }),
  );
  return file;
}

export function fleetInventory(count: number): { people: PersonInput[]; devices: DeviceInput[] } {
  const people: PersonInput[] = [{ email: ADMIN, name: "Ada Admin", role: "admin" }];
  const devices: DeviceInput[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(3, "0");
    const owner = `owner${n}@example.com`;
    people.push({ email: owner, name: `Owner ${n}`, role: "employee" });
    devices.push({
      id: `rel-dev-${n}`,
      ownerEmail: owner,
      name: `Phone ${n}`,
      platform: "android",
      osVersion: "6.0",
      managementMode: "device_admin",
      passcodeSet: true,
      // Long alphanumeric passcodes: a search of the logs for one cannot hit a timestamp by chance.
      passcodePolicy: { enforced: true, type: "alphanumeric", minLength: 12, complexity: "high" },
      resetTokenActive: false,
      lastSeenAt: new Date(),
      pendingAction: null,
    });
  }
  return { people, devices };
}

/** A core of our own on the same database (the test's window on it), migrated. */
export async function openReader(env: Record<string, string>): Promise<Core> {
  return composeCore(
    // SIMULATED_DEVICES: PostgreSQL without a push service starts only when asked (the reader pushes nothing).
    loadConfig({
      DEMO_INVENTORY: "false",
      TEAMS_ENABLED: "false",
      SIMULATED_DEVICES: "true",
      DATA_DIR: tempDir("reader"),
      ...env,
    }),
    createLogger("silent"),
  );
}

/** Milestones of a reset-and-lock, in order; each at most once. */
const MILESTONES = [
  "requested",
  "checked",
  "passcode_generated",
  "pushed",
  "received",
  "passcode_reset",
  "locked",
];
const FINAL: readonly string[] = FINAL_STATES;

/** Problems with one request's timeline (empty when valid). */
export function sequenceProblems(events: TimelineEvent[], expectFinal: string): string[] {
  const problems: string[] = [];
  const types = events.map((e) => e.type);
  for (const m of [...MILESTONES, ...FINAL]) {
    const n = types.filter((t) => t === m).length;
    if (n > 1) problems.push(`${m} ${n} times`);
  }
  const finals = types.filter((t) => FINAL.includes(t));
  if (finals.length !== 1) problems.push(`final events: ${finals.join(",") || "none"}`);
  else if (finals[0] !== expectFinal) problems.push(`ended ${finals[0]}, expected ${expectFinal}`);
  if (types[types.length - 1] && !FINAL.includes(types[types.length - 1] ?? "")) {
    // Events after the final one are allowed only for after-care (redaction, purge).
    const after = types.slice(types.findIndex((t) => FINAL.includes(t)) + 1);
    if (after.some((t) => MILESTONES.includes(t)))
      problems.push(`milestone after the end: ${after.join(",")}`);
  }
  let last = -1;
  for (const t of types) {
    const i = MILESTONES.indexOf(t);
    if (i < 0) continue;
    if (i < last) problems.push(`${t} after ${MILESTONES[last]}`);
    last = Math.max(last, i);
  }
  for (const required of ["requested", "checked", "received", "passcode_reset", "locked"]) {
    if (expectFinal === "completed" && !types.includes(required)) problems.push(`no ${required}`);
  }
  const deliveredAt = types.indexOf("delivered");
  if (deliveredAt >= 0 && deliveredAt < types.indexOf("locked")) problems.push("delivered before locked");
  return problems;
}

/** Every row of every table of a schema, as text (to search for passcodes). */
export async function dumpSchema(schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
      [schema],
    );
    const rows: string[] = [];
    for (const { table_name } of tables.rows) {
      const res = await client.query<{ row: string }>(
        `SELECT t::text AS row FROM "${schema}"."${table_name}" t`,
      );
      for (const r of res.rows) rows.push(`${table_name}: ${r.row}`);
    }
    return rows;
  } finally {
    await client.end();
  }
}

export function leaks(passcodes: Iterable<string>, haystacks: Iterable<string>): string[] {
  const list = [...passcodes].filter((p) => p.length >= 6);
  const found: string[] = [];
  for (const line of haystacks) {
    for (const p of list) if (line.includes(p)) found.push(`${p} in: ${line.slice(0, 200)}`);
  }
  return found;
}
