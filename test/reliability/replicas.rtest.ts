// Promise 1 of issue 5: nothing lost, nothing done twice, across replicas.
//
// Three real Latchkey processes (startLatchkey, as `npm start` runs it) share one PostgreSQL
// schema. Pushes go through the real firebase-admin client to a fake FCM server in this process
// (every push counted there); a fleet of device agents, woken by those pushes, calls the device
// API of the replicas in turn (a round-robin load balancer), so each step of one request may land
// on a different process; mail goes to an in-process SMTP server (every message counted).
// Resets are started on the replicas in turn; in the middle one replica is killed with SIGKILL
// and the run goes on with the other two. At the end, from the database and the fakes: every
// request reached exactly one final state, each passcode went exactly once to each recipient
// (one message; a copy sent again after the kill cut an attempt off is that same message),
// no device was pushed more than the timeline says (once, as the agents answer at once), every
// timeline is in order, no passcode appears in any log line, push payload or database row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../../src/compose.ts";
import { issueEnrollmentCode } from "../../src/core/enrollment.ts";
import { type FakeFcmServer, startFakeFcmServer } from "../fakes/fake-fcm-server.ts";
import { postgresAvailable, REQUIRE_PG } from "../support/databases.ts";
import { type Fleet, startFleet } from "./support/agents.ts";
import {
  ADMIN,
  dumpSchema,
  fleetInventory,
  leaks,
  openReader,
  passcodeKey,
  pgSchemaUrl,
  sequenceProblems,
  serviceAccountFile,
  tempDir,
} from "./support/fixtures.ts";
import { crashes, killReplica, type Replica, startReplica, stopReplica, until } from "./support/processes.ts";
import { writeReport } from "./support/report.ts";
import { type FlakySmtp, startFlakySmtp } from "./support/smtp.ts";

const RESETS = Number(process.env.RELIABILITY_RESETS ?? 60);
const PROCESSES = 3;
const KILL_AFTER = Math.floor(RESETS / 2);
const pgUp = REQUIRE_PG || (await postgresAvailable());

describe.skipIf(!pgUp)(`${PROCESSES} replicas on one PostgreSQL, ${RESETS} resets, one SIGKILL`, () => {
  const db = pgSchemaUrl("replicas");
  const key = passcodeKey();
  let fcm: FakeFcmServer;
  let smtp: FlakySmtp;
  let reader: Core;
  let fleet: Fleet;
  const replicas: Replica[] = [];
  const inRotation = new Set<Replica>();

  beforeAll(async () => {
    fcm = await startFakeFcmServer();
    smtp = await startFlakySmtp("accept");
    reader = await openReader({ DATABASE_URL: db.url, PASSCODE_KEY: key });
    const inventory = fleetInventory(RESETS);
    await reader.engine.stores.directory.upsertInventory(inventory.people, inventory.devices);
    const dir = tempDir("replicas");
    const account = serviceAccountFile(dir);
    const started = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) =>
        startReplica(`replica-${i + 1}`, {
          DATABASE_URL: db.url,
          PASSCODE_KEY: key,
          DATA_DIR: tempDir(`replica-${i + 1}`),
          SMTP_URL: smtp.url,
          FIREBASE_SERVICE_ACCOUNT: account,
          RELIABILITY_FCM_URL: fcm.url,
          DEVICE_API_RATE: "10000/m,10000/m",
          LOG_LEVEL: "debug",
        }),
      ),
    );
    for (const r of started) {
      replicas.push(r);
      inRotation.add(r);
    }
    fleet = startFleet(fcm, { urls: () => [...inRotation].map((r) => r.url) }, { duplicate: true });
    for (const d of inventory.devices) {
      const issued = await issueEnrollmentCode(reader.engine, d.id);
      if (!issued.ok) throw new Error(issued.message);
      await fleet.enroll(d.id, issued.code);
    }
  }, 180_000);

  afterAll(async () => {
    fleet?.stop();
    await Promise.all(replicas.map((r) => stopReplica(r)));
    await reader?.close();
    await smtp?.close();
    await fcm?.close();
    await db.drop();
  }, 60_000);

  it("every request ends once, every passcode goes once per recipient, no double push, no leak", async () => {
    const devices = [...fleet.agents.keys()].sort();
    const startedOn = new Map<string, number>();
    let rr = 0;
    let killed = 0;
    let driverRetries = 0;

    /**
     * Starts one reset on two replicas at once with the same idempotency key (a double click,
     * or a chat platform's redelivery landing on another replica): one request, or a failure.
     * On a dead replica, the same key again on the next ones.
     */
    async function drive(i: number): Promise<string> {
      const deviceId = devices[i] ?? "";
      const body = JSON.stringify({
        deviceId,
        actor: ADMIN,
        notifyUser: i % 2 === 0,
        key: `rel-${deviceId}`,
      });
      for (let attempt = 0; attempt < 20; attempt++) {
        const live = [...inRotation];
        const targets = [live[rr % live.length], live[(rr + 1) % live.length]].filter(
          (r): r is Replica => r !== undefined,
        );
        rr++;
        const answers = await Promise.allSettled(
          targets.map(async (r) => {
            const res = await fetch(`${r.driverUrl}/reset`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body,
              signal: AbortSignal.timeout(15_000),
            });
            if (res.status !== 200) throw new Error(`${r.name}: ${res.status}`);
            return { replica: r.name, ...((await res.json()) as { status: string; requestId: string }) };
          }),
        );
        const ok = answers.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []));
        for (const o of ok) {
          if (o.status !== "started" && o.status !== "duplicate") throw new Error(JSON.stringify(o));
        }
        const ids = new Set(ok.map((o) => o.requestId));
        if (ids.size > 1) throw new Error(`one key, two requests: ${[...ids].join(", ")}`);
        const started = ok.find((o) => o.status === "started") ?? ok[0];
        if (started) {
          startedOn.set(started.replica, (startedOn.get(started.replica) ?? 0) + 1);
          return started.requestId;
        }
        driverRetries++;
        await new Promise((res) => setTimeout(res, 200));
      }
      throw new Error(`could not start a reset for ${deviceId}`);
    }

    // Six resets in flight at a time; after half of them, SIGKILL replica 2 with work in flight.
    const requestIds: string[] = [];
    const victim = replicas[1] as Replica;
    let next = 0;
    let done = 0;
    const lanes = Array.from({ length: 6 }, async () => {
      while (next < RESETS) {
        const i = next++;
        requestIds[i] = await drive(i);
        // Killed once half the resets have started, while the other lanes' calls are in flight
        // and its own resets are somewhere between push and delivery.
        if (++done === KILL_AFTER) {
          killed++;
          inRotation.delete(victim);
          await killReplica(victim);
        }
      }
    });
    await Promise.all(lanes);
    expect(new Set(requestIds).size).toBe(RESETS);

    // Every request ends (the sweeps of the survivors pick up what the victim left).
    const finals = new Map<string, string>();
    await until(
      "every request to reach a final state",
      async () => {
        for (const id of requestIds) {
          if (finals.has(id)) continue;
          const r = await reader.engine.stores.requests.get(id);
          if (r && ["completed", "failed", "expired", "cancelled", "refused"].includes(r.state))
            finals.set(id, r.state);
        }
        return finals.size === RESETS;
      },
      150_000,
      500,
    );
    await until("the agents to go idle", () => fleet.busy() === 0, 20_000);

    const problems: string[] = [];
    let doubleResets = 0;
    let requestsLost = 0;
    let doubleDeliveries = 0;
    let resentAfterCutOff = 0;
    let doublePushes = 0;
    let mismatched = 0;
    const delivered = new Set<string>();
    for (const [i, id] of requestIds.entries()) {
      const deviceId = devices[i] ?? "";
      const request = await reader.engine.stores.requests.get(id);
      if (!request) {
        requestsLost++;
        continue;
      }
      if (request.state !== "completed") problems.push(`${id} ended ${request.state}: ${request.outcome}`);
      const events = await reader.engine.stores.requests.events(id);
      for (const p of sequenceProblems(events, "completed")) problems.push(`${id}: ${p}`);
      if (events.filter((e) => e.type === "locked").length > 1) doubleResets++;
      const forDevice = await reader.engine.stores.requests.list({ deviceId, limit: 10 });
      if (forDevice.length !== 1) {
        doubleResets++;
        problems.push(`${deviceId} has ${forDevice.length} requests`);
      }

      // Pushes at the FCM endpoint for this request: as many as the timeline records, and one.
      const pushes = fleet.pushCount(deviceId, id);
      const pushEvents = events.filter((e) => e.type === "pushed" || e.type === "push_retry").length;
      if (pushes > 1) doublePushes++;
      if (pushes !== 1 || pushEvents > 1) problems.push(`${id}: ${pushes} pushes, ${pushEvents} push events`);

      // Mail: exactly one message per recipient, with the passcode the device was given. A copy
      // sent again is the same message (its Message-ID), and only where the SIGKILL cut an
      // attempt off after the mail server took it (the process could not know it went out):
      // the timeline then says so.
      const expected = new Set([ADMIN, ...(i % 2 === 0 ? [`owner${deviceId.slice(-3)}@example.com`] : [])]);
      const mails = smtp.inbox.filter((m) => m.requestId === id);
      const passcode = fleet.agents.get(deviceId)?.passcodes.get(id);
      if (passcode) delivered.add(passcode);
      for (const to of expected) {
        const got = mails.filter((m) => m.to.includes(to));
        const messages = new Set(got.map((m) => m.messageId ?? "none"));
        if (got.length === 0 || messages.size !== 1 || messages.has("none")) {
          if (messages.size > 1) doubleDeliveries++;
          problems.push(`${id}: ${messages.size} different messages to ${to} (${got.length} copies)`);
        }
        if (got.length > 1) {
          resentAfterCutOff += got.length - 1;
          const noted = events.some(
            (e) =>
              e.type === "delivery_retry" &&
              e.detail.includes(`to ${to} (started`) &&
              e.detail.includes("cut off"),
          );
          if (!noted) problems.push(`${id}: ${got.length} copies to ${to}, and no attempt was cut off`);
        }
        for (const m of got) {
          if (m.passcode !== passcode) mismatched++;
          if (m.passcode) delivered.add(m.passcode);
        }
      }
      const strangers = mails.filter((m) => !m.to.some((to) => expected.has(to)));
      if (strangers.length > 0) problems.push(`${id}: ${strangers.length} mails to someone else`);
      const deliveries = await reader.engine.stores.deliveries.forRequest(id);
      if (deliveries.length !== expected.size || deliveries.some((d) => d.status !== "sent")) {
        problems.push(
          `${id}: deliveries ${deliveries.map((d) => `${d.recipientEmail}:${d.status}`).join(",")}`,
        );
      }
    }

    // Passcodes: in no log line of any process, no push payload, no database row.
    const output = replicas.flatMap((r) => r.output);
    const pushBodies = fcm.requests.map((r) => r.rawBody);
    const rows = await dumpSchema(db.schema);
    const leaked = leaks(delivered, [...output, ...pushBodies, ...rows]);
    const crashed = crashes(replicas);

    // Every replica did part of the work: reports landed on each, resets started on each.
    const byReplica = new Map<string, number>();
    for (const a of fleet.agents.values()) {
      for (const c of a.calls) {
        const r = replicas.find((x) => x.url === c.url);
        if (r && c.status === 200) byReplica.set(r.name, (byReplica.get(r.name) ?? 0) + 1);
      }
    }

    writeReport("replicas", {
      processes: PROCESSES,
      resetsDriven: RESETS,
      processesKilled: killed,
      faultsInjected: { sigkill: killed },
      requestsLost,
      doubleResets,
      passcodesLeaked: leaked.length,
      doubleDeliveries,
      copiesResentAfterCutOff: resentAfterCutOff,
      doublePushes,
      passcodeMismatches: mismatched,
      mailsReceived: smtp.inbox.length,
      pushesReceived: fcm.requests.length,
      driverRetries,
      resetsStartedPerReplica: Object.fromEntries(startedOn),
      deviceCallsAnsweredPerReplica: Object.fromEntries(byReplica),
      crashes: crashed.length,
      problems: problems.slice(0, 50),
    });

    expect(crashed).toEqual([]);
    expect(problems).toEqual([]);
    expect({ requestsLost, doubleResets, doubleDeliveries, doublePushes, mismatched }).toEqual({
      requestsLost: 0,
      doubleResets: 0,
      doubleDeliveries: 0,
      doublePushes: 0,
      mismatched: 0,
    });
    expect(leaked).toEqual([]);
    expect(delivered.size).toBe(RESETS);
    expect(killed).toBe(1);
    for (const r of replicas) {
      expect(
        (byReplica.get(r.name) ?? 0) + (startedOn.get(r.name) ?? 0),
        `${r.name} did some work`,
      ).toBeGreaterThan(0);
    }
    expect(startedOn.get(victim.name) ?? 0, "the victim started resets before it died").toBeGreaterThan(0);
  }, 420_000);
});
