// Issue 17 under real crashes and replicas: resets of Intune-managed phones, with real Latchkey
// server processes (startLatchkey, as `npm start` runs it) killed with SIGKILL and started again, and
// two of them following the same requests, on the embedded SQLite database and on PostgreSQL.
//
// Intune is the local HTTPS Entra/Graph stand-in (test/support/fake-graph.ts), trusted by every
// process through NODE_EXTRA_CA_CERTS as in production; its devices are imported by a real
// `latchkey sync intune` process and the resets of the crash tests are started by a real
// `latchkey reset --no-follow` process. Mail goes to a local SMTP server that counts each message.
//   1. Killed while Intune holds the passcode reset "pending" (the request `pushed`, followed once);
//      Intune then reports "done" with its passcode while no Latchkey runs; a new process takes over.
//   2. Killed in the lock step: the passcode reported and sealed, remoteLock sent, Intune "pending".
//   3. Two processes on one database, five resets each started on both at once (same key), then
//      followed by whichever process claims each scheduler fire (both race for every fire).
// Each ends with: the request completed with its timeline exactly in order, Intune got exactly one
// resetPasscode and one remoteLock for the device, each recipient exactly one email carrying the
// passcode Intune reported, and that passcode in no output line of any process and no database row.
//
// An action's steps in the stand-in are the array given to scriptAction, kept by reference while
// the action runs: pushing a step onto it is Intune moving on (calling scriptAction again would
// start the action over, unlisted until the next POST).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isFinal } from "../../src/core/types.ts";
import { postgresAvailable, REQUIRE_PG } from "../support/databases.ts";
import { type ActionStep, type FakeGraph, startFakeGraph } from "../support/fake-graph.ts";
import { distinctivePasscode, fullyManagedPhone } from "../support/intune-fixtures.ts";
import { type Cluster, startCluster } from "./support/cluster.ts";
import { ADMIN, leaks, pgSchemaUrl, tempDir } from "./support/fixtures.ts";
import {
  type CliRun,
  everyRow,
  firesByOwner,
  intuneTimelineProblems,
  latchkey,
} from "./support/intune-run.ts";
import { crashes, killReplica, type Replica, until } from "./support/processes.ts";
import { writeReport } from "./support/report.ts";

const pgUp = REQUIRE_PG || (await postgresAvailable());
if (!pgUp) console.warn("[crash-intune] PostgreSQL not reachable: its half of this run is SKIPPED");
const TARGETS = pgUp ? (["sqlite", "postgresql"] as const) : (["sqlite"] as const);

/** Replicas following at once in test 3. */
const PAIR_DEVICES = 5;
/** A reset through Intune: the scheduler's fires every 10 s and the follow-up backoff 5 s, 10 s, 20 s... */
const SETTLE_MS = 180_000;

describe.each(TARGETS)("SIGKILL and replicas during resets through Intune (%s)", (target) => {
  const pg = target === "postgresql" ? pgSchemaUrl("intune") : null;
  const owner = (i: number) => ({ email: `owner${i}@contoso.example`, name: `Owner ${i}` });
  const pendingDevice = `${target}-killed-pending`;
  const lockDevice = `${target}-killed-locking`;
  const pairDevices = Array.from({ length: PAIR_DEVICES }, (_, i) => `${target}-pair-${i}`);
  /** What Intune reports as each device's new passcode. */
  const passcodes = new Map<string, string>();
  const cliRuns: CliRun[] = [];
  const resets: string[] = [];
  let graph: FakeGraph;
  let c: Cluster;
  let cliEnv: Record<string, string>;
  let killed = 0;
  let pairFires: Record<string, number> = {};
  let pairStarts: Record<string, number> = {};
  let began = Date.now();

  beforeAll(async () => {
    began = Date.now();
    graph = await startFakeGraph();
    graph.addDevices([
      fullyManagedPhone(pendingDevice, owner(1)),
      fullyManagedPhone(lockDevice, owner(2)),
      ...pairDevices.map((id, i) => fullyManagedPhone(id, owner(10 + i))),
    ]);
    for (const id of [pendingDevice, lockDevice, ...pairDevices]) passcodes.set(id, distinctivePasscode());
    const intuneEnv = { ...graph.env(), NODE_EXTRA_CA_CERTS: graph.caPath };
    c = await startCluster({
      name: `intune-${target}`,
      processes: 1,
      devices: 0, // no agent devices: the inventory is Intune's (and the admin)
      dbUrl: pg ? pg.url : `file:${tempDir("intune-db")}/latchkey.db`,
      env: intuneEnv,
    });
    cliEnv = {
      DATABASE_URL: c.env.DATABASE_URL ?? "",
      PASSCODE_KEY: c.env.PASSCODE_KEY ?? "",
      SMTP_URL: c.env.SMTP_URL ?? "",
      DATA_DIR: tempDir(`intune-cli-${target}`),
      LOG_LEVEL: "debug",
      TEAMS_ENABLED: "false",
      ...intuneEnv,
    };
    const sync = await cli(["sync", "intune"]);
    expect(sync.code, sync.err).toBe(0);
    expect(sync.out).toMatch(/^Intune sync: /m);
    for (const id of [pendingDevice, lockDevice, ...pairDevices]) {
      expect(await c.reader.engine.stores.directory.device(id)).toMatchObject({ backend: "intune" });
    }
  }, 180_000);

  afterAll(async () => {
    const reported = [...passcodes.values()];
    const doubled = [...passcodes.keys()].filter((id) => resetsOf(id) > 1);
    let ended = 0;
    for (const id of resets) {
      const r = await c?.reader.engine.stores.requests.get(id);
      if (r && isFinal(r.state)) ended++;
    }
    writeReport(`crash-intune-${target}`, {
      processes: c?.replicas.length ?? 0,
      resetsDriven: resets.length,
      processesKilled: killed,
      faultsInjected: { sigkill: killed },
      requestsLost: resets.length - ended,
      doubleResets: doubled.length,
      passcodesLeaked: c ? leaks(reported, outputs()).length : 0,
      crashes: c ? crashes(c.replicas).length : 0,
      cliProcesses: cliRuns.length,
      graphActions: graph?.actions.length ?? 0,
      pairPushFiresByProcess: pairFires,
      pairStartsByProcess: pairStarts,
      seconds: Math.round((Date.now() - began) / 1000),
    });
    await c?.stop();
    await graph?.close();
    await pg?.drop();
  }, 60_000);

  async function cli(args: string[]): Promise<CliRun> {
    const run = await latchkey(args, cliEnv);
    cliRuns.push(run);
    return run;
  }

  /** Every line any process of this run printed (servers at debug level, the CLI runs). */
  const outputs = () => [...c.replicas.flatMap((r) => r.output), ...cliRuns.flatMap((r) => [r.out, r.err])];
  const actionsOn = (id: string) => graph.actions.filter((a) => a.deviceId === id).map((a) => a.action);
  const resetsOf = (id: string) => actionsOn(id).filter((a) => a === "resetPasscode").length;
  const state = async (id: string) => (await c.reader.engine.stores.requests.get(id))?.state;
  const events = (id: string) => c.reader.engine.stores.requests.events(id);
  const devicePath = (id: string) => `/v1.0/deviceManagement/managedDevices/${id}`;

  /** True once a process read Intune's record of the device after the `action` POST (so it saw its state). */
  function readAfter(id: string, action: "resetPasscode" | "remoteLock"): boolean {
    const posted = graph.requests.findIndex(
      (q) => q.method === "POST" && q.path === `${devicePath(id)}/${action}`,
    );
    return (
      posted >= 0 &&
      graph.requests.slice(posted + 1).some((q) => q.method === "GET" && q.path === devicePath(id))
    );
  }

  /** `latchkey reset <id> --as <admin> --no-follow`: its request id (the CLI sent Intune the reset itself). */
  async function startByCli(deviceId: string, notifyUser: boolean): Promise<string> {
    const run = await cli([
      "reset",
      deviceId,
      "--as",
      ADMIN,
      "--no-follow",
      ...(notifyUser ? ["--notify-user"] : []),
    ]);
    expect(run.code, run.err).toBe(0);
    const id = /(rq_[0-9a-zA-Z_]+)/.exec(run.out)?.[1];
    if (!id) throw new Error(`no request id in: ${run.out}`);
    resets.push(id);
    return id;
  }

  async function killTheServer(): Promise<Replica> {
    const [victim] = [...c.inRotation];
    if (!victim) throw new Error("no process to kill");
    c.inRotation.delete(victim);
    await killReplica(victim);
    killed++;
    return victim;
  }

  /**
   * The request completed once: its timeline in order, one resetPasscode and one remoteLock at
   * Intune, one email per recipient with the passcode Intune reported, that passcode nowhere else.
   */
  async function completedOnce(id: string, deviceId: string, recipients: string[]): Promise<void> {
    const finals = await c.settle([id], SETTLE_MS);
    const timeline = await events(id);
    expect(finals.get(id), timeline.map((e) => `${e.type}: ${e.detail}`).join("\n")).toBe("completed");
    expect(intuneTimelineProblems(timeline, recipients.length)).toEqual([]);
    expect(actionsOn(deviceId)).toEqual(["resetPasscode", "remoteLock"]);
    const passcode = passcodes.get(deviceId);
    expect(graph.passcodes.get(deviceId)).toBe(passcode);
    // Mail is written after the timeline says `delivered`: the SMTP server has it by now.
    const mails = c.smtp.inbox.filter((m) => m.requestId === id);
    expect(mails.map((m) => m.to).sort()).toEqual(recipients.map((r) => [r]).sort());
    expect(mails.map((m) => m.passcode)).toEqual(recipients.map(() => passcode));
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(recipients.length);
    expect(await c.reader.engine.stores.requests.list({ deviceId, limit: 5 })).toHaveLength(1);
    expect(leaks([passcode ?? ""], outputs())).toEqual([]);
    expect(
      leaks(
        [passcode ?? ""],
        timeline.map((e) => e.detail),
      ),
    ).toEqual([]);
    const rows = await everyRow(c.reader, pg?.schema ?? null);
    expect(rows.some((r) => r.includes(id))).toBe(true); // the dump holds the request's rows
    expect(leaks([passcode ?? ""], rows)).toEqual([]);
    expect(crashes(c.replicas)).toEqual([]);
  }

  it("1. killed while Intune holds the reset pending; Intune reports done meanwhile; the new process completes it", async () => {
    const device = pendingDevice;
    const resetSteps: ActionStep[] = ["pending"];
    graph.scriptAction(device, "resetPasscode", resetSteps);
    graph.scriptAction(device, "remoteLock", ["done"]);
    const id = await startByCli(device, true);
    expect(await state(id)).toBe("pushed");
    expect(actionsOn(device)).toEqual(["resetPasscode"]);
    // The server follows it at least once (Intune says "pending") before it dies.
    await until(
      "the server to read Intune's pending reset",
      () => readAfter(device, "resetPasscode"),
      60_000,
    );
    expect(await state(id)).toBe("pushed");
    await killTheServer();

    // No Latchkey runs: Intune finishes the reset and holds the passcode it chose.
    resetSteps.push({ actionState: "done", passcode: passcodes.get(device) ?? "" });
    await c.addReplica(`intune-${target}-restart-1`);
    await completedOnce(id, device, [ADMIN, owner(1).email]);
    const timeline = (await events(id)).map((e) => e.detail).join("\n");
    expect(timeline).toContain("Intune reports the new passcode");
    expect(timeline).toContain("Intune reports the device locked");
  }, 420_000);

  it("2. killed in the lock step (passcode reported, remoteLock pending): the new process completes it, the passcode delivered once", async () => {
    const device = lockDevice;
    const lockSteps: ActionStep[] = ["pending"];
    graph.scriptAction(device, "resetPasscode", [
      { actionState: "done", passcode: passcodes.get(device) ?? "" },
    ]);
    graph.scriptAction(device, "remoteLock", lockSteps);
    const id = await startByCli(device, false);
    await until(
      "remoteLock sent and read pending by the server",
      async () =>
        (await state(id)) === "passcode_reset" &&
        (await events(id)).some((e) => e.type === "lock_sent") &&
        readAfter(device, "remoteLock"),
      150_000,
    );
    expect(await state(id)).toBe("passcode_reset");
    expect(c.smtp.inbox.filter((m) => m.requestId === id)).toEqual([]);
    await killTheServer();

    lockSteps.push("done");
    await c.addReplica(`intune-${target}-restart-2`);
    await completedOnce(id, device, [ADMIN]);
  }, 420_000);

  it("3. two processes on one database follow five Intune resets at once: one resetPasscode per device, all complete", async () => {
    await c.addReplica(`intune-${target}-second`);
    const pair = [...c.inRotation];
    expect(pair).toHaveLength(2);
    const since = new Date(Date.now() - 1000);
    for (const device of pairDevices) {
      graph.scriptAction(device, "resetPasscode", [
        "pending",
        { actionState: "done", passcode: passcodes.get(device) ?? "" },
      ]);
      graph.scriptAction(device, "remoteLock", ["done"]);
    }
    // Each reset asked of both processes at the same moment with one key (a double click landing
    // on two replicas): one request, whichever process created it sends Intune the reset.
    const starts = new Map<string, number>();
    const ids = await Promise.all(
      pairDevices.map(async (deviceId, i) => {
        const body = JSON.stringify({
          deviceId,
          actor: ADMIN,
          notifyUser: i % 2 === 0,
          key: `pair-${deviceId}`,
        });
        const answers = await Promise.all(
          pair.map(async (r) => {
            const res = await fetch(`${r.driverUrl}/reset`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body,
              signal: AbortSignal.timeout(30_000),
            });
            const out = (await res.json()) as { status?: string; requestId?: string };
            if (res.status !== 200 || !out.requestId)
              throw new Error(`${r.name}: ${res.status} ${JSON.stringify(out)}`);
            if (out.status === "started") starts.set(r.name, (starts.get(r.name) ?? 0) + 1);
            return out;
          }),
        );
        expect(answers.map((a) => a.status).sort()).toEqual(["duplicate", "started"]);
        expect(new Set(answers.map((a) => a.requestId)).size).toBe(1);
        return answers[0]?.requestId ?? "";
      }),
    );
    resets.push(...ids);
    pairStarts = Object.fromEntries(starts);

    const finals = await c.settle(ids, SETTLE_MS);
    const problems: string[] = [];
    for (const [i, id] of ids.entries()) {
      const device = pairDevices[i] ?? "";
      const recipients = i % 2 === 0 ? [ADMIN, owner(10 + i).email] : [ADMIN];
      if (finals.get(id) !== "completed") problems.push(`${id} ended ${finals.get(id)}`);
      for (const p of intuneTimelineProblems(await events(id), recipients.length))
        problems.push(`${id}: ${p}`);
      if (actionsOn(device).join(",") !== "resetPasscode,remoteLock")
        problems.push(`${device}: Intune got ${actionsOn(device).join(",")}`);
      const mails = c.smtp.inbox.filter((m) => m.requestId === id);
      const to = mails.flatMap((m) => m.to).sort();
      if (to.join(",") !== [...recipients].sort().join(","))
        problems.push(`${id}: mail to ${to.join(",")}, expected ${recipients.join(",")}`);
      if (mails.some((m) => m.passcode !== passcodes.get(device)))
        problems.push(`${id}: a mail without Intune's passcode`);
    }
    expect(problems).toEqual([]);
    expect(leaks(passcodes.values(), outputs())).toEqual([]);
    expect(leaks(passcodes.values(), await everyRow(c.reader, pg?.schema ?? null))).toEqual([]);
    expect(crashes(c.replicas)).toEqual([]);

    // Which process took each of the scheduler's follow-up fires meanwhile (owner pid@port).
    const fires = await firesByOwner(c.reader, "push-pending-commands", since);
    pairFires = Object.fromEntries(
      [...fires].map(([ownerKey, n]) => [
        pair.find((r) => ownerKey === `${r.child.pid}@${new URL(r.url).port}`)?.name ?? ownerKey,
        n,
      ]),
    );
    console.info(
      `[crash-intune ${target}] starts by process ${JSON.stringify(pairStarts)}, follow-up fires ${JSON.stringify(pairFires)}`,
    );
  }, 420_000);
});
