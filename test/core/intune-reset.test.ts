// A reset and a lock through Intune (issue 17, section 2 "The sequence"), every row of the table
// that can act: the real Intune commands adapter and the real Graph client (token by msal-node)
// against the local HTTPS Graph stand-in, the real stores on each database. The driver is the
// scheduler's own sweep (pushDue); the clock is the test's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intuneCommands } from "../../src/adapters/intune/intune-commands.ts";
import { managedDevicePages } from "../../src/adapters/intune/intune-inventory.ts";
import { syncIntune } from "../../src/core/inventory/sync-intune.ts";
import { canMove, STATE_LABELS } from "../../src/core/lifecycle.ts";
import { cancelReset } from "../../src/core/reset/cancel-reset.ts";
import { deliverPending } from "../../src/core/reset/deliver.ts";
import { pushDue } from "../../src/core/reset/push-command.ts";
import { reportLostDevice, startReset } from "../../src/core/reset/start-reset.ts";
import { isFinal, type RequestState } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { type FakeGraph, graphClientFor, managedDevice, startFakeGraph } from "../support/fake-graph.ts";
import { type TestEngine, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();
const ADMIN = "root@example.com";
let graph: FakeGraph;

/** One device per test (Intune keeps each device's action results): the row of the table it stands for. */
const DEVICES = [
  managedDevice({ id: "cobo-1" }),
  managedDevice({
    id: "byod-1",
    ownerType: "personal",
    managedDeviceOwnerType: "personal",
    deviceEnrollmentType: "userEnrollment",
    deviceType: "androidForWork",
  }),
  managedDevice({
    id: "kiosk-1",
    deviceEnrollmentType: "androidEnterpriseDedicatedDevice",
    userPrincipalName: null as never,
    emailAddress: null as never,
    userDisplayName: null as never,
  }),
  managedDevice({ id: "mac-1", operatingSystem: "macOS", osVersion: "14.5", deviceType: "macMDM" }),
  managedDevice({ id: "ios-1", operatingSystem: "iOS", osVersion: "17.4", deviceType: "iPhone" }),
  managedDevice({
    id: "win-1",
    operatingSystem: "Windows",
    osVersion: "10.0.22631",
    deviceType: "windowsRT",
  }),
  managedDevice({ id: "nosup-1" }),
  managedDevice({ id: "lockfail-1" }),
  managedDevice({ id: "nocancel-1" }),
  managedDevice({ id: "active-1" }),
  managedDevice({ id: "canceled-1" }),
];

/** A fresh stand-in per database: Intune's record of each device starts empty. */
function useGraph() {
  beforeAll(async () => {
    graph = await startFakeGraph();
    graph.addDevices(DEVICES.map((d) => ({ ...d })));
  }, 60_000);
  afterAll(async () => graph?.close());
}

/** Intune's inventory in the test's database, and the engine connected to the stand-in. */
async function connect(t: TestEngine): Promise<void> {
  const client = graphClientFor(graph, { sleep: async () => {} });
  t.engine.backends.intune = intuneCommands(client);
  const r = await syncIntune(t.engine, managedDevicePages(client), { actor: "operator", surface: "cli" });
  expect(r.ok).toBe(true);
}

/** The scheduler's sweeps, a minute apart, until the request ends (or `rounds` pass). */
async function drive(t: TestEngine, requestId: string, rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    const r = await t.engine.stores.requests.get(requestId);
    if (r && isFinal(r.state)) return r;
    t.clock.advance(60_000);
    await pushDue(t.engine);
    await deliverPending(t.engine);
  }
  return t.engine.stores.requests.get(requestId);
}

const actionsOn = (id: string) => graph.actions.filter((a) => a.deviceId === id).map((a) => a.action);

/** Every state the request went through, by its timeline, is a move Intune's lifecycle table allows. */
async function expectLegalPath(t: TestEngine, id: string) {
  const request = await t.engine.stores.requests.get(id);
  const states = (await t.engine.stores.requests.events(id))
    .map((e) => e.type)
    .filter((type): type is RequestState => type in STATE_LABELS);
  expect(states[0]).toBe("requested");
  for (let i = 1; i < states.length; i++) {
    const [from, to] = [states[i - 1] as RequestState, states[i] as RequestState];
    expect(canMove(request?.kind ?? "reset_and_lock", from, to, "intune"), `${from} -> ${to}`).toBe(true);
  }
  expect(states.at(-1)).toBe(request?.state);
}

async function eventsOf(t: TestEngine, id: string) {
  return (await t.engine.stores.requests.events(id)).map((e) => `${e.type}: ${e.detail}`);
}

/** Every row of the tables a request writes, as text: the passcode must appear in none of them. */
async function everyRow(t: TestEngine): Promise<string> {
  const schema = /\(schema (.+)\)$/.exec(t.database.location)?.[1];
  const rows: unknown[] = [];
  for (const name of [
    "ResetRequest",
    "TimelineEvent",
    "AuditEntry",
    "Delivery",
    "Device",
    "PasscodeHistory",
  ]) {
    const table = t.database.kind === "postgresql" && schema ? `"${schema}"."${name}"` : `"${name}"`;
    rows.push(await t.database.db.$queryRawUnsafe(`SELECT * FROM ${table}`));
  }
  return JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? String(v) : v));
}

async function start(t: TestEngine, deviceId: string) {
  const r = await startReset(t.engine, { actorEmail: ADMIN, deviceId, notifyUser: true, surface: "cli" });
  if (r.status !== "started") throw new Error(`not started: ${r.status} ${"message" in r ? r.message : ""}`);
  return r.request;
}

for (const target of targets) {
  describe(`reset through Intune (${target.name})`, () => {
    useGraph();
    const t = useTestEngine(target, { seed: connect });

    it("a fully managed phone: reset, Intune's passcode, lock, delivered privately, completed", async () => {
      // Long and distinctive, so finding it anywhere can only mean a leak, never a coincidence.
      graph.scriptAction("cobo-1", "resetPasscode", [
        "pending",
        { actionState: "done", passcode: "90817263544536" },
      ]);
      const request = await start(t(), "cobo-1");
      expect(request.state).toBe("pushed");
      const done = await drive(t(), request.id);
      expect(done?.state).toBe("completed");
      expect(actionsOn("cobo-1")).toEqual(["resetPasscode", "remoteLock"]);
      await expectLegalPath(t(), done?.id as string);
      const passcode = graph.passcodes.get("cobo-1") as string;
      expect(passcode).toBe("90817263544536");
      const events = await eventsOf(t(), request.id);
      expect(events.map((e) => e.split(":")[0])).toEqual([
        "requested",
        "checked",
        "pushed",
        "passcode_reset",
        "lock_sent",
        "locked",
        "delivered",
        "delivered",
        "completed",
      ]);
      expect(events.join("\n")).toContain("Intune accepted the reset");
      expect(events.join("\n")).toContain("Intune reports the new passcode");
      expect(events.join("\n")).toContain("Intune reports the device locked");
      // Delivered privately to the requester and the device user, with the passcode Intune chose.
      const letters = t().sender.letters;
      expect(letters.map((l) => l.recipient.email).sort()).toEqual(["ana@contoso.example", ADMIN]);
      for (const l of letters) expect(l.passcode).toBe(passcode);
      expect(letters[0]?.caveat).toBeNull();
      // A secret like ours: nowhere in the database, the timeline or the logs in plain text.
      expect(await everyRow(t())).not.toContain(passcode);
      expect(t().logs.join("\n")).not.toContain(passcode);
      const audit = await t().engine.stores.audit.list({ limit: 50 });
      expect(audit.map((a) => a.action)).toContain("mdm.command");
    });

    it("a personally owned work profile: the work-profile passcode is reset and no lock is sent", async () => {
      const request = await start(t(), "byod-1");
      const done = await drive(t(), request.id);
      expect(done?.state).toBe("completed");
      expect(actionsOn("byod-1")).toEqual(["resetPasscode"]);
      await expectLegalPath(t(), done?.id as string);
      expect(done?.outcome).toContain("Passcode reset (no remote lock on this device)");
      const events = await eventsOf(t(), request.id);
      expect(events.join("\n")).toContain("Intune cannot lock this device remotely, so no lock is sent");
      expect(t().sender.letters.map((l) => l.passcode)).toContain(graph.passcodes.get("byod-1"));
      // The letter says what was set, and that nothing was locked: not "reset and locked".
      expect(t().sender.letters[0]?.caveat).toContain("work-profile passcode");
      expect(t().sender.letters[0]?.caveat).toContain("it was not locked");
    });

    it("a kiosk (no user in Intune): the passcode goes to the requester only", async () => {
      const request = await start(t(), "kiosk-1");
      expect((await drive(t(), request.id))?.state).toBe("completed");
      expect(new Set(t().sender.letters.map((l) => l.recipient.email))).toEqual(new Set([ADMIN]));
    });

    it("a lost Mac: locked through remoteLock, Intune's six-digit unlock PIN delivered privately", async () => {
      graph.scriptAction("mac-1", "remoteLock", [
        "pending",
        { actionState: "done", unlockPin: "PIN739164QX" },
      ]);
      const report = await reportLostDevice(t().engine, {
        actorEmail: "ana@contoso.example",
        deviceId: "mac-1",
        surface: "cli",
      });
      if (report.status !== "started") throw new Error(`not started: ${report.status}`);
      const done = await drive(t(), report.request.id);
      expect(done?.state).toBe("completed");
      expect(done?.kind).toBe("lock");
      await expectLegalPath(t(), done?.id as string);
      expect(actionsOn("mac-1")).toEqual(["remoteLock"]);
      const letters = t().sender.letters;
      expect(letters.length).toBeGreaterThan(0);
      for (const l of letters) expect(l.passcode).toBe("PIN739164QX");
      expect(letters[0]?.caveat).toContain("six-digit PIN that unlocks the Mac");
      expect(done?.outcome).toContain("unlock PIN was sent to ana@contoso.example");
      expect(await everyRow(t())).not.toContain("PIN739164QX");
      expect(t().logs.join("\n")).not.toContain("PIN739164QX");
    });

    it("a lost iPhone: locked only (Intune cannot set an iPhone's passcode); nothing to deliver", async () => {
      const report = await reportLostDevice(t().engine, {
        actorEmail: "ana@contoso.example",
        deviceId: "ios-1",
        surface: "cli",
      });
      if (report.status !== "started") throw new Error(`not started: ${report.status}`);
      const done = await drive(t(), report.request.id);
      expect(done?.state).toBe("completed");
      expect(done?.outcome).toBe("The device is locked.");
      expect(actionsOn("ios-1")).toEqual(["remoteLock"]);
      expect(t().sender.letters).toEqual([]);
    });

    it("Windows: refused with nothing sent to Intune", async () => {
      const r = await startReset(t().engine, {
        actorEmail: ADMIN,
        deviceId: "win-1",
        notifyUser: true,
        surface: "cli",
      });
      expect(r.status).toBe("refused");
      expect(actionsOn("win-1")).toEqual([]);
    });

    it("Intune's other action states: none and active are waited on; canceled ends the request", async () => {
      // none (not started yet on Intune's side) and active (the device is at it): keep following.
      graph.scriptAction("active-1", "resetPasscode", ["none", "active", "active", "done"]);
      graph.scriptAction("active-1", "remoteLock", ["active", "done"]);
      const waited = await start(t(), "active-1");
      const done = await drive(t(), waited.id);
      expect(done?.state).toBe("completed");
      expect(actionsOn("active-1")).toEqual(["resetPasscode", "remoteLock"]);
      await expectLegalPath(t(), waited.id);
      // canceled (someone cancelled it in Intune): the request fails saying so; nothing delivered.
      graph.scriptAction("canceled-1", "resetPasscode", ["pending", "canceled"]);
      const cancelled = await start(t(), "canceled-1");
      const ended = await drive(t(), cancelled.id);
      expect(ended?.state).toBe("failed");
      expect(ended?.outcome).toContain("Intune says the passcode reset was cancelled");
      expect(t().sender.letters.filter((l) => l.request.id === cancelled.id)).toEqual([]);
      await expectLegalPath(t(), cancelled.id);
    });

    it("Intune says notSupported: failed in plain words, no passcode kept, nothing delivered", async () => {
      graph.scriptAction("nosup-1", "resetPasscode", ["pending", "notSupported"]);
      const request = await start(t(), "nosup-1");
      const done = await drive(t(), request.id);
      expect(done?.state).toBe("failed");
      expect(done?.outcome).toContain("Intune says: not supported on this device");
      await expectLegalPath(t(), done?.id as string);
      expect(await t().engine.stores.requests.passcodeCipher(request.id)).toBeNull();
      expect(t().sender.letters).toEqual([]);
    });

    it("the lock fails after the reset: the passcode Intune set is still delivered", async () => {
      graph.scriptAction("lockfail-1", "remoteLock", [
        "pending",
        { actionState: "failed", errorCode: -2016281112 },
      ]);
      const request = await start(t(), "lockfail-1");
      const done = await drive(t(), request.id);
      expect(done?.state).toBe("failed");
      expect(done?.outcome).toContain("Intune says the remote lock failed (error code -2016281112)");
      await expectLegalPath(t(), done?.id as string);
      expect(done?.outcome).toContain("The passcode was reset all the same: it is sent privately to");
      const passcode = graph.passcodes.get("lockfail-1");
      expect(t().sender.letters.map((l) => l.passcode)).toContain(passcode);
      expect(t().sender.letters[0]?.caveat).toContain("Intune reported this passcode set on the device");
    });

    it("cannot be cancelled once Intune accepted it, and says so", async () => {
      graph.scriptAction("nocancel-1", "resetPasscode", ["pending"]);
      const request = await start(t(), "nocancel-1");
      const r = await cancelReset(t().engine, { actorEmail: ADMIN, requestId: request.id, surface: "cli" });
      expect(r.status).toBe("too_late");
      expect(r.status !== "cancelled" && r.message).toContain(
        "Intune cannot cancel a command it has accepted",
      );
    });
  });
}
