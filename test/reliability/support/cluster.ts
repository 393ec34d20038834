// N Latchkey processes on one database with the outside world played locally: FCM (counted),
// SMTP (counted, can misbehave), device agents behind a round-robin "load balancer". Used by the
// fault runs; replicas.rtest.ts builds the same thing step by step.
import type { Core } from "../../../src/compose.ts";
import { issueEnrollmentCode } from "../../../src/core/enrollment.ts";
import { FINAL_STATES } from "../../../src/core/types.ts";
import { type FakeFcmServer, type FcmReply, startFakeFcmServer } from "../../fakes/fake-fcm-server.ts";
import { type Fleet, startFleet } from "./agents.ts";
import { ADMIN, fleetInventory, openReader, passcodeKey, serviceAccountFile, tempDir } from "./fixtures.ts";
import { type Replica, startReplica, stopReplica, until } from "./processes.ts";
import { type FlakySmtp, startFlakySmtp } from "./smtp.ts";

export interface Cluster {
  replicas: Replica[];
  inRotation: Set<Replica>;
  fleet: Fleet;
  reader: Core;
  fcm: FakeFcmServer;
  smtp: FlakySmtp;
  devices: string[];
  env: Record<string, string>;
  /** The next pushes get these error answers from FCM (and so never reach the phone). */
  failPushes(...replies: FcmReply[]): void;
  /** Starts a reset on the replicas in turn (same idempotency key on each retry); its request id. */
  drive(deviceId: string, o?: { notifyUser?: boolean; timeoutMs?: number }): Promise<string>;
  /** Waits until every request is in a final state; their states. */
  settle(ids: string[], timeoutMs?: number): Promise<Map<string, string>>;
  /** Starts one more replica (a restart) on the same database. */
  addReplica(name: string): Promise<Replica>;
  stop(): Promise<void>;
}

export async function startCluster(o: {
  name: string;
  processes: number;
  devices: number;
  /** The URL the replicas use (maybe through a proxy); `readerUrl` the one the test reads with. */
  dbUrl: string;
  readerUrl?: string;
  env?: Record<string, string>;
  fleet?: Parameters<typeof startFleet>[2];
}): Promise<Cluster> {
  const key = passcodeKey();
  const fcm = await startFakeFcmServer();
  const smtp = await startFlakySmtp("accept");
  const reader = await openReader({ DATABASE_URL: o.readerUrl ?? o.dbUrl, PASSCODE_KEY: key });
  const inventory = fleetInventory(o.devices);
  await reader.engine.stores.directory.upsertInventory(inventory.people, inventory.devices);
  const dir = tempDir(o.name);
  const env: Record<string, string> = {
    DATABASE_URL: o.dbUrl,
    PASSCODE_KEY: key,
    SMTP_URL: smtp.url,
    FIREBASE_SERVICE_ACCOUNT: serviceAccountFile(dir),
    RELIABILITY_FCM_URL: fcm.url,
    DEVICE_API_RATE: "10000/m,10000/m",
    LOG_LEVEL: "debug",
    ...o.env,
  };
  const replicas: Replica[] = [];
  const inRotation = new Set<Replica>();
  const addReplica = async (name: string) => {
    const r = await startReplica(name, { ...env, DATA_DIR: tempDir(`${o.name}-${name}`) });
    replicas.push(r);
    inRotation.add(r);
    return r;
  };
  for (let i = 0; i < o.processes; i++) await addReplica(`${o.name}-${i + 1}`);
  // The fake answers queued replies in order, so the next `failing` pushes it records are those.
  let failing = 0;
  const failed = () => {
    if (failing === 0) return false;
    failing--;
    return true;
  };
  const fleet = startFleet(fcm, { urls: () => [...inRotation].map((r) => r.url) }, { ...o.fleet, failed });
  for (const d of inventory.devices) {
    const issued = await issueEnrollmentCode(reader.engine, d.id);
    if (!issued.ok) throw new Error(issued.message);
    await fleet.enroll(d.id, issued.code);
  }
  let rr = 0;
  return {
    replicas,
    inRotation,
    fleet,
    reader,
    fcm,
    smtp,
    devices: inventory.devices.map((d) => d.id),
    env,
    addReplica,
    failPushes(...replies) {
      failing += replies.length;
      fcm.queue(...replies);
    },
    async drive(deviceId, d = {}) {
      const body = JSON.stringify({
        deviceId,
        actor: ADMIN,
        notifyUser: d.notifyUser ?? false,
        key: `k-${deviceId}`,
      });
      const end = Date.now() + (d.timeoutMs ?? 60_000);
      let last = "";
      while (Date.now() < end) {
        const live = [...inRotation];
        const r = live[rr++ % Math.max(1, live.length)];
        if (r) {
          try {
            const res = await fetch(`${r.driverUrl}/reset`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body,
              signal: AbortSignal.timeout(15_000),
            });
            const out = (await res.json()) as { status?: string; requestId?: string; error?: string };
            if (
              res.status === 200 &&
              out.requestId &&
              (out.status === "started" || out.status === "duplicate")
            )
              return out.requestId;
            last = JSON.stringify(out);
            if (res.status === 200) throw new Error(`reset of ${deviceId} not started: ${last}`);
          } catch (err) {
            if (err instanceof Error && err.message.startsWith("reset of")) throw err;
            last = String(err);
          }
        }
        await new Promise((res) => setTimeout(res, 250));
      }
      throw new Error(`could not start a reset of ${deviceId}: ${last}`);
    },
    async settle(ids, timeoutMs = 120_000) {
      const finals = new Map<string, string>();
      await until(
        "every request to reach a final state",
        async () => {
          for (const id of ids) {
            if (finals.has(id)) continue;
            const r = await reader.engine.stores.requests.get(id);
            if (r && (FINAL_STATES as readonly string[]).includes(r.state)) finals.set(id, r.state);
          }
          return finals.size === ids.length;
        },
        timeoutMs,
        500,
      );
      return finals;
    },
    async stop() {
      fleet.stop();
      await Promise.all(replicas.map((r) => stopReplica(r)));
      await reader.close();
      await smtp.close();
      await fcm.close();
    },
  };
}
