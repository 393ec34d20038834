// Promise 3 of issue 5, push: Firebase Cloud Messaging says the device's token is no longer
// registered, is unavailable (503, beyond firebase-admin's own retries), or over quota (429).
// A real Latchkey process sends through the real firebase-admin client to the local FCM fake
// (test/fakes/fake-fcm-server.ts), on the embedded SQLite database. Each time: a clear entry in
// the timeline saying what happened and what happens next, transient failures re-pushed with
// backoff until the device gets the command, an unregistered token not hammered (the command
// waits for the device's own check-in), the reset completes once, the process never crashes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fcmError } from "../fakes/fake-fcm-server.ts";
import { type Cluster, startCluster } from "./support/cluster.ts";
import { leaks, sequenceProblems, tempDir } from "./support/fixtures.ts";
import { crashes, until } from "./support/processes.ts";
import { writeReport } from "./support/report.ts";

describe("Firebase Cloud Messaging fails", () => {
  let c: Cluster;
  const faults: Record<string, number> = {};
  let resets = 0;

  beforeAll(async () => {
    c = await startCluster({
      name: "fcmfault",
      processes: 1,
      devices: 3,
      dbUrl: `file:${tempDir("fcmfault-db")}/latchkey.db`,
    });
  }, 120_000);

  afterAll(async () => {
    const passcodes = [...c.fleet.agents.values()].flatMap((a) => [...a.passcodes.values()]);
    writeReport("faults-fcm", {
      processes: 1,
      resetsDriven: resets,
      processesKilled: 0,
      faultsInjected: faults,
      requestsLost: 0,
      doubleResets: 0,
      passcodesLeaked: leaks(passcodes, [
        ...c.replicas.flatMap((r) => r.output),
        ...c.fcm.requests.map((r) => r.rawBody),
      ]).length,
      crashes: crashes(c.replicas).length,
    });
    await c?.stop();
  }, 60_000);

  const pushesFor = (requestId: string) =>
    c.fcm.requests.filter((r) => r.rawBody.includes(`"requestId":"${requestId}"`)).length;

  async function timeline(id: string) {
    return c.reader.engine.stores.requests.events(id);
  }

  async function completes(id: string) {
    const finals = await c.settle([id], 60_000);
    expect(finals.get(id)).toBe("completed");
    const events = await timeline(id);
    expect(sequenceProblems(events, "completed")).toEqual([]);
    expect(crashes(c.replicas)).toEqual([]);
    expect(c.smtp.inbox.filter((m) => m.requestId === id)).toHaveLength(1);
    return events;
  }

  it("unregistered token: the timeline says so, no re-push, the command waits for the device's check-in", async () => {
    const device = c.devices[0] ?? "";
    c.failPushes(fcmError(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"));
    faults["fcm-unregistered"] = 1;
    const id = await c.drive(device);
    resets++;
    const failed = await until("the push failure in the timeline", async () =>
      (await timeline(id)).find((e) => e.type === "push_failed"),
    );
    expect(failed.detail).toMatch(/no longer valid/);
    expect(failed.detail).toMatch(/next check-in/);
    expect((await c.reader.engine.stores.directory.device(device))?.pushUnreachableAt).not.toBeNull();
    // Past the first re-push time and a sweep: nothing more was sent to a dead token.
    await new Promise((r) => setTimeout(r, 21_000));
    expect(pushesFor(id)).toBe(1);
    expect((await c.reader.engine.stores.requests.get(id))?.state).toBe("passcode_generated");
    await c.fleet.checkIn(device);
    await completes(id);
  }, 90_000);

  it("503 UNAVAILABLE beyond firebase-admin's retries: 'temporarily unavailable, retrying', then delivered", async () => {
    const id0 = c.devices[1] ?? "";
    const lasting = Array.from({ length: 5 }, () => ({
      ...fcmError(503, "UNAVAILABLE", "The service is currently unavailable."),
      retryAfterMs: 20,
    }));
    c.failPushes(...lasting);
    faults["fcm-503"] = lasting.length;
    const id = await c.drive(id0);
    resets++;
    const failed = await until("the push failure in the timeline", async () =>
      (await timeline(id)).find((e) => e.type === "push_failed"),
    );
    expect(failed.detail).toMatch(/temporarily unavailable/);
    expect(failed.detail).toMatch(/Retrying at/);
    const events = await completes(id);
    // Every push the fake saw was either one of the failures or the one that got through.
    expect(pushesFor(id)).toBeGreaterThan(1);
    // At most one "sent" entry: none when the phone fetched the command before FCM's answer to
    // the successful push came back (the request had already moved on to "received").
    expect(events.filter((e) => e.type === "pushed" || e.type === "push_retry").length).toBeLessThanOrEqual(
      1,
    );
    expect(events.filter((e) => e.type === "received")).toHaveLength(1);
  }, 90_000);

  it("429 quota exceeded: 'limiting how many push messages', retried with backoff, then delivered", async () => {
    const device = c.devices[2] ?? "";
    c.failPushes(fcmError(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", "QUOTA_EXCEEDED"));
    faults["fcm-429-quota"] = 1;
    const id = await c.drive(device);
    resets++;
    const failed = await until("the push failure in the timeline", async () =>
      (await timeline(id)).find((e) => e.type === "push_failed"),
    );
    expect(failed.detail).toMatch(/limiting how many push messages/);
    expect(failed.detail).toMatch(/attempt 1/);
    const events = await completes(id);
    expect(pushesFor(id)).toBe(2);
    const receivedAt = events.find((e) => e.type === "received")?.at.getTime() ?? 0;
    // Backoff: the re-push (which the phone answered) came no sooner than the first wait (10 s).
    expect(receivedAt - failed.at.getTime()).toBeGreaterThanOrEqual(9_000);
    // No push payload ever carries more than the request id.
    for (const r of c.fcm.requests) {
      const data = (r.body as { message?: { data?: Record<string, string> } }).message?.data ?? {};
      expect(Object.keys(data).sort()).toEqual(["requestId", "type"]);
    }
  }, 90_000);
});
