// Promise 2 of issue 5: one Latchkey process on the embedded SQLite database, killed with
// SIGKILL at the steps of a reset that test/e2e/crash-resume.test.ts does not cover (it kills
// while the phone works, between pickup and lock), then started again: the reset continues from
// where it was, because the sequence is driven from the database.
//   1. after the request, before any push reached the phone (FCM failing meanwhile);
//   2. after the push, before the phone picked the command up (the phone is off);
//   3. during the delivery of the passcode: one mail server has taken the connection and hangs,
//      another has taken the whole message and not yet answered (it is sent again, as the same
//      message, and the timeline says the attempt was cut off).
// Pushes go through firebase-admin to the local FCM fake and the phone is a device agent of the
// test (so each step can be held exactly there); mail goes to a local SMTP server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fcmError } from "../fakes/fake-fcm-server.ts";
import { type Cluster, startCluster } from "./support/cluster.ts";
import { ADMIN, leaks, sequenceProblems, tempDir } from "./support/fixtures.ts";
import { crashes, killReplica, until } from "./support/processes.ts";
import { writeReport } from "./support/report.ts";

describe("SIGKILL at each step of a reset, then a restart (embedded SQLite)", () => {
  let c: Cluster;
  let killed = 0;
  let starts = 1;
  const resets: string[] = [];

  beforeAll(async () => {
    c = await startCluster({
      name: "crash",
      processes: 1,
      devices: 4,
      dbUrl: `file:${tempDir("crash-db")}/latchkey.db`,
    });
  }, 120_000);

  afterAll(async () => {
    const passcodes = [...c.fleet.agents.values()].flatMap((a) => [...a.passcodes.values()]);
    writeReport("crash-steps", {
      processes: starts,
      resetsDriven: resets.length,
      processesKilled: killed,
      faultsInjected: { sigkill: killed },
      requestsLost: 0,
      doubleResets: 0,
      passcodesLeaked: leaks(
        passcodes,
        c.replicas.flatMap((r) => r.output),
      ).length,
      crashes: crashes(c.replicas).length,
      copiesResentAfterCutOff: c.smtp.inbox.length - new Set(c.smtp.inbox.map((m) => m.messageId)).size,
    });
    await c?.stop();
  }, 60_000);

  const state = async (id: string) => (await c.reader.engine.stores.requests.get(id))?.state;

  async function killAndRestart(): Promise<void> {
    const [victim] = [...c.inRotation];
    if (!victim) throw new Error("no process to kill");
    c.inRotation.delete(victim);
    await killReplica(victim);
    killed++;
    starts++;
    await c.addReplica(`crash-restart-${killed}`);
  }

  /** The reset completed once: one lock, one mail with the passcode the phone was given. */
  async function completedOnce(id: string, deviceId: string, timeoutMs = 60_000) {
    const finals = await c.settle([id], timeoutMs);
    expect(finals.get(id)).toBe("completed");
    const events = await c.reader.engine.stores.requests.events(id);
    expect(sequenceProblems(events, "completed")).toEqual([]);
    const mails = c.smtp.inbox.filter((m) => m.requestId === id);
    expect(mails.map((m) => m.to)).toEqual([[ADMIN]]);
    expect(mails[0]?.passcode).toBe(c.fleet.agents.get(deviceId)?.passcodes.get(id));
    expect(await c.reader.engine.stores.requests.list({ deviceId, limit: 5 })).toHaveLength(1);
    expect(crashes(c.replicas)).toEqual([]);
    return events;
  }

  it("killed after the request, before any push got through: the new process pushes, the reset completes", async () => {
    const device = c.devices[0] ?? "";
    c.failPushes(
      ...Array.from({ length: 5 }, () => ({
        ...fcmError(503, "UNAVAILABLE", "The service is currently unavailable."),
        retryAfterMs: 20,
      })),
    );
    const id = await c.drive(device);
    resets.push(id);
    await until("the failed push in the timeline", async () =>
      (await c.reader.engine.stores.requests.events(id)).some((e) => e.type === "push_failed"),
    );
    expect(await state(id)).toBe("passcode_generated");
    await killAndRestart();
    const events = await completedOnce(id, device);
    expect(events.filter((e) => e.type === "pushed").length).toBeLessThanOrEqual(1);
    expect(events.filter((e) => e.type === "received")).toHaveLength(1);
  }, 120_000);

  it("killed after the push, before the phone picked it up: the new process pushes again, the reset completes", async () => {
    const device = c.devices[1] ?? "";
    c.fleet.hold(device);
    const id = await c.drive(device);
    resets.push(id);
    await until("the push", async () => (await state(id)) === "pushed");
    await until("the push at the phone", () => c.fleet.pushCount(device, id) === 1);
    await killAndRestart();
    // The restarted process re-pushes on its own (backoff, then the scheduler's sweep).
    await until("a second push", () => c.fleet.pushCount(device, id) >= 2, 40_000);
    // Its "sent again" line is written once FCM has answered; a phone that fetched the command
    // before that would (rightly) leave it out, so the phone waits for it here.
    await until("the re-push in the timeline", async () =>
      (await c.reader.engine.stores.requests.events(id)).some((e) => e.type === "push_retry"),
    );
    c.fleet.release(device);
    await c.fleet.checkIn(device);
    const events = await completedOnce(id, device);
    expect(events.filter((e) => e.type === "push_retry").length).toBeGreaterThanOrEqual(1);
    expect(events.filter((e) => e.type === "received")).toHaveLength(1);
  }, 120_000);

  it("killed while mailing: a passcode the server never took goes once, one it took goes again as the same message", async () => {
    // Two resets on the process, each cut off mid-delivery by one SIGKILL: the first one's mail
    // server has taken the whole message and not yet answered, so the dying process cannot know
    // it went out; the second one's server hangs before taking anything.
    const [hungDevice, takenDevice] = [c.devices[2] ?? "", c.devices[3] ?? ""];
    let hungId = "";
    let takenId = "";
    let releaseTaken = () => {};
    const takenHeld = new Promise<void>((resolve) => {
      releaseTaken = resolve;
    });
    // Both attempts must still be open at the kill: the mail client gives up on a server that
    // does not answer within 15 s (greeting) or 30 s (reply), and would record that failure.
    const hung = c.smtp.faults.hung;
    try {
      c.smtp.beforeAccept = (mail) => (mail.requestId === takenId ? takenHeld : Promise.resolve());
      takenId = await c.drive(takenDevice);
      resets.push(takenId);
      await until("the first mail at the server", () => c.smtp.inbox.some((m) => m.requestId === takenId));
      c.smtp.mode = "hang";
      hungId = await c.drive(hungDevice);
      resets.push(hungId);
      await until("the lock", async () => (await state(hungId)) === "locked");
      await until("the second mail attempt to hang", () => c.smtp.faults.hung > hung, 20_000);
      await killAndRestart();
    } finally {
      c.smtp.mode = "accept";
      c.smtp.beforeAccept = null;
      releaseTaken();
    }
    expect(await state(hungId)).toBe("locked");
    expect(await state(takenId)).toBe("locked");

    // The dead process's claims last DELIVERY_CLAIM_MS (2 min), then a sweep sends both again,
    // and each timeline says its attempt was cut off.
    const cutOff = (events: { type: string; detail: string }[]) =>
      events.filter((e) => e.type === "delivery_retry" && e.detail.includes("was cut off"));
    const hungEvents = await completedOnce(hungId, hungDevice, 200_000);
    expect(hungEvents.filter((e) => e.type === "delivered")).toHaveLength(1);
    expect(cutOff(hungEvents)).toHaveLength(1);

    const finals = await c.settle([takenId], 30_000);
    expect(finals.get(takenId)).toBe("completed");
    const takenEvents = await c.reader.engine.stores.requests.events(takenId);
    expect(sequenceProblems(takenEvents, "completed")).toEqual([]);
    expect(takenEvents.filter((e) => e.type === "delivered")).toHaveLength(1);
    expect(cutOff(takenEvents)).toHaveLength(1);
    expect(cutOff(takenEvents)[0]?.detail).toContain("as the same email (the same Message-ID");
    // Two copies reached the server: the same message, the passcode the phone was given.
    const copies = c.smtp.inbox.filter((m) => m.requestId === takenId);
    expect(copies.map((m) => m.to)).toEqual([[ADMIN], [ADMIN]]);
    expect(copies[0]?.messageId).toMatch(/^<latchkey\.rq_/);
    expect(copies[1]?.messageId).toBe(copies[0]?.messageId);
    const passcode = c.fleet.agents.get(takenDevice)?.passcodes.get(takenId);
    expect(copies.map((m) => m.passcode)).toEqual([passcode, passcode]);
    expect(crashes(c.replicas)).toEqual([]);
  }, 300_000);
});
