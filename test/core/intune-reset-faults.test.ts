// The Intune sequence when things go wrong (issue 17, sections 2 and 3): a crash after Intune took
// the reset but before Latchkey recorded it, a restart between resetPasscode and reading the
// passcode, 429 with Retry-After, a POST whose answer is lost, Graph refusing the permission, a
// token expiring mid-request, the device gone from Intune, expiry at each step, and the two-person
// rule. The real commands adapter and Graph client against the local HTTPS stand-in, on each database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intuneCommands } from "../../src/adapters/intune/intune-commands.ts";
import { managedDevicePages } from "../../src/adapters/intune/intune-inventory.ts";
import type { EngineSettings } from "../../src/core/engine.ts";
import { syncIntune } from "../../src/core/inventory/sync-intune.ts";
import type { MdmCommands } from "../../src/core/mdm/mdm-port.ts";
import { approveReset } from "../../src/core/reset/approve-reset.ts";
import { deliverPending } from "../../src/core/reset/deliver.ts";
import { expireDue } from "../../src/core/reset/expire.ts";
import { pushDue } from "../../src/core/reset/push-command.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { isFinal } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { type FakeGraph, graphClientFor, managedDevice, startFakeGraph } from "../support/fake-graph.ts";
import { type TestEngine, testEngine } from "../support/test-engine.ts";

const targets = await dbTargets();
const ADMIN = "root@example.com";
const IDS = [
  "crash-1",
  "restart-1",
  "throttle-1",
  "lost-1",
  "denied-1",
  "token-1",
  "gone-1",
  "stuck-1",
  "nolock-1",
  "approve-1",
  "again-1",
  "race-1",
  "pace-1",
];

for (const target of targets) {
  describe(`Intune faults (${target.name})`, () => {
    let graph: FakeGraph;
    let url: string;
    let drop: () => Promise<void>;
    const open: TestEngine[] = [];
    const sleeps: number[] = [];

    beforeAll(async () => {
      graph = await startFakeGraph();
      graph.addDevices(IDS.map((id) => managedDevice({ id })));
      const db = await target.fresh();
      url = db.url;
      drop = db.drop;
      const t = await engine();
      const r = await syncIntune(t.engine, managedDevicePages(graphClientFor(graph)), {
        actor: "operator",
        surface: "cli",
      });
      expect(r.ok).toBe(true);
      await t.engine.stores.directory.upsertInventory(
        [{ email: "ada@example.com", name: "Ada", role: "admin" }],
        [],
      );
    }, 60_000);
    afterAll(async () => {
      for (const t of open) await t.close();
      await drop?.();
      await graph?.close();
    });

    /** An engine on the shared database, as a (re)started process would have: its own Graph client and token. */
    async function engine(settings: Partial<EngineSettings> = {}, wrap?: (c: MdmCommands) => MdmCommands) {
      const t = await testEngine(url, settings);
      const commands = intuneCommands(graphClientFor(graph, { sleep: async (ms) => void sleeps.push(ms) }));
      t.engine.backends.intune = wrap ? wrap(commands) : commands;
      open.push(t);
      return t;
    }

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

    const resets = (id: string) =>
      graph.actions.filter((a) => a.deviceId === id && a.action === "resetPasscode");
    const details = async (t: TestEngine, id: string) =>
      (await t.engine.stores.requests.events(id)).map((e) => `${e.type}: ${e.detail}`).join("\n");

    async function start(t: TestEngine, deviceId: string) {
      return startReset(t.engine, { actorEmail: ADMIN, deviceId, notifyUser: false, surface: "cli" });
    }

    it("a crash after Intune took the reset, before Latchkey recorded it: the restart finds it and never sends it twice", async () => {
      const dying = await engine({}, (c) => ({
        ...c,
        async send(deviceId, action) {
          await c.send(deviceId, action);
          throw new Error("the process died here");
        },
      }));
      await expect(start(dying, "crash-1")).rejects.toThrow("the process died here");
      const [stuck] = await dying.engine.stores.requests.list({ limit: 5, states: ["checked"] });
      expect(stuck?.deviceId).toBe("crash-1");
      const restarted = await engine();
      restarted.clock.current = new Date(dying.clock.now().getTime() + 3_600_000);
      const done = await drive(restarted, stuck?.id as string);
      expect(done?.state).toBe("completed");
      expect(resets("crash-1")).toHaveLength(1);
      expect(await details(restarted, done?.id as string)).toContain("it was not sent twice");
    });

    it("a restart between resetPasscode and reading the passcode resumes without a second reset", async () => {
      graph.scriptAction("restart-1", "resetPasscode", ["pending", "pending", "done"]);
      const first = await engine();
      const started = await start(first, "restart-1");
      if (started.status !== "started") throw new Error(started.status);
      expect(started.request.state).toBe("pushed");
      first.clock.advance(60_000);
      await pushDue(first.engine); // reads "pending"; then the process stops
      const second = await engine();
      second.clock.current = first.clock.now();
      const done = await drive(second, started.request.id);
      expect(done?.state).toBe("completed");
      expect(resets("restart-1")).toHaveLength(1);
      const letters = second.sender.letters.filter((l) => l.request.id === started.request.id);
      expect(letters.map((l) => l.passcode)).toEqual([graph.passcodes.get("restart-1")]);
    });

    it("429 with Retry-After on the reset: waits as told, then Intune accepts it once", async () => {
      const t = await engine();
      sleeps.length = 0;
      graph.fault({
        status: 429,
        retryAfter: "2",
        method: "POST",
        path: "/v1.0/deviceManagement/managedDevices/throttle-1",
      });
      const r = await start(t, "throttle-1");
      expect(r.status === "started" && r.request.state).toBe("pushed");
      expect(sleeps).toContain(2000);
      expect(resets("throttle-1")).toHaveLength(1);
    });

    it("no answer to the POST: Latchkey reads Intune's record before sending again", async () => {
      const t = await engine();
      graph.fault({ status: 500, method: "POST", path: "/v1.0/deviceManagement/managedDevices/lost-1" });
      const r = await start(t, "lost-1");
      if (r.status !== "started") throw new Error(r.status);
      expect(r.request.state).toBe("checked");
      expect(await details(t, r.request.id)).toContain(
        "Intune did not answer whether it took the passcode reset",
      );
      const done = await drive(t, r.request.id);
      expect(done?.state).toBe("completed");
      expect(resets("lost-1")).toHaveLength(1);
    });

    it("Graph refuses the permission: failed, saying which permission to grant; nothing kept", async () => {
      const t = await engine();
      graph.fault({
        status: 403,
        code: "Forbidden",
        method: "POST",
        path: "/v1.0/deviceManagement/managedDevices/denied-1",
      });
      const r = await start(t, "denied-1");
      if (r.status !== "started") throw new Error(r.status);
      const done = await t.engine.stores.requests.get(r.request.id);
      expect(done?.state).toBe("failed");
      expect(done?.outcome).toContain("DeviceManagementManagedDevices.PrivilegedOperations.All");
      expect(resets("denied-1")).toHaveLength(0);
    });

    it("a token that expires mid-request is renewed and the reset goes on", async () => {
      const t = await engine();
      const r = await start(t, "token-1");
      if (r.status !== "started") throw new Error(r.status);
      const before = graph.tokenRequests;
      graph.expireTokens();
      const done = await drive(t, r.request.id);
      expect(done?.state).toBe("completed");
      expect(graph.tokenRequests).toBeGreaterThan(before);
    });

    it("the device gone from Intune mid-request: failed, saying so", async () => {
      const t = await engine();
      graph.scriptAction("gone-1", "resetPasscode", ["pending"]);
      const r = await start(t, "gone-1");
      if (r.status !== "started") throw new Error(r.status);
      graph.removeDevice("gone-1");
      const done = await drive(t, r.request.id);
      expect(done?.state).toBe("failed");
      expect(done?.outcome).toContain("Intune no longer has this device");
    });

    it("expired while Intune still shows the reset pending: says it may still apply and where the passcode is", async () => {
      const t = await engine();
      graph.scriptAction("stuck-1", "resetPasscode", ["pending"]);
      const r = await start(t, "stuck-1");
      if (r.status !== "started") throw new Error(r.status);
      t.clock.advance(25 * 3_600_000);
      expect(await expireDue(t.engine)).toBeGreaterThanOrEqual(1);
      const done = await t.engine.stores.requests.get(r.request.id);
      expect(done?.state).toBe("expired");
      expect(done?.outcome).toContain("Intune accepted the command but did not report its result in time");
      expect(done?.outcome).toContain(
        "The Intune admin center shows a passcode Intune generated for seven days",
      );
    });

    it("expired after Intune reported the passcode but not the lock: the passcode still goes out", async () => {
      const t = await engine();
      graph.scriptAction("nolock-1", "remoteLock", ["pending"]);
      const r = await startReset(t.engine, {
        actorEmail: ADMIN,
        deviceId: "nolock-1",
        notifyUser: false,
        surface: "cli",
      });
      if (r.status !== "started") throw new Error(r.status);
      for (let i = 0; i < 4; i++) {
        t.clock.advance(60_000);
        await pushDue(t.engine);
      }
      expect((await t.engine.stores.requests.get(r.request.id))?.state).toBe("passcode_reset");
      t.clock.advance(25 * 3_600_000);
      await expireDue(t.engine);
      const done = await t.engine.stores.requests.get(r.request.id);
      expect(done?.state).toBe("expired");
      expect(done?.outcome).toContain("Intune reported the new passcode but not the lock");
      expect(done?.outcome).toContain(`sent privately to ${ADMIN}`);
      await deliverPending(t.engine);
      expect(t.sender.letters.map((l) => l.passcode)).toContain(graph.passcodes.get("nolock-1"));
    });

    it("a second reset minutes after the first is sent to Intune and delivers its own passcode", async () => {
      const t = await engine();
      graph.scriptAction("again-1", "resetPasscode", [
        "pending",
        { actionState: "done", passcode: "11112222333344" },
      ]);
      const first = await start(t, "again-1");
      if (first.status !== "started") throw new Error(first.status);
      expect((await drive(t, first.request.id))?.state).toBe("completed");
      graph.scriptAction("again-1", "resetPasscode", [
        "pending",
        { actionState: "done", passcode: "55556666777788" },
      ]);
      const second = await start(t, "again-1");
      if (second.status !== "started") throw new Error(second.status);
      expect((await drive(t, second.request.id))?.state).toBe("completed");
      expect(resets("again-1")).toHaveLength(2);
      const mine = t.sender.letters.filter((l) => l.request.id === second.request.id);
      expect(mine.map((l) => l.passcode)).toEqual(["55556666777788"]);
      expect(await details(t, second.request.id)).not.toContain("it was not sent twice");
    });

    it("a send held up by a 429 is not sent again by another worker meanwhile", async () => {
      const other = await engine();
      const t = await testEngine(url);
      open.push(t);
      const client = graphClientFor(graph, {
        // While this worker waits out Retry-After, another replica's sweep runs a minute later.
        sleep: async () => {
          other.clock.current = new Date(t.clock.now().getTime() + 60_000);
          await pushDue(other.engine);
        },
      });
      t.engine.backends.intune = intuneCommands(client);
      graph.fault({
        status: 429,
        retryAfter: "2",
        method: "POST",
        path: "/v1.0/deviceManagement/managedDevices/race-1",
      });
      const r = await start(t, "race-1");
      if (r.status !== "started") throw new Error(r.status);
      expect(r.request.state).toBe("pushed");
      expect(resets("race-1")).toHaveLength(1);
      expect((await drive(t, r.request.id))?.state).toBe("completed");
      expect(resets("race-1")).toHaveLength(1);
    });

    it("follows the lock as closely after a slow reset as it followed the reset", async () => {
      const t = await engine();
      graph.scriptAction("pace-1", "resetPasscode", ["pending", "pending", "pending", "done"]);
      graph.scriptAction("pace-1", "remoteLock", ["pending"]);
      const r = await start(t, "pace-1");
      if (r.status !== "started") throw new Error(r.status);
      // Intune takes hours over the reset: the reads grow apart (half the time since the send).
      const waits: number[] = [];
      for (let i = 0; i < 6; i++) {
        const now = await t.engine.stores.requests.get(r.request.id);
        if (now?.state === "passcode_reset") break;
        t.clock.current = new Date(
          Math.max(t.clock.now().getTime(), now?.nextPushAt?.getTime() ?? 0) + 3_600_000,
        );
        await pushDue(t.engine);
        const after = await t.engine.stores.requests.get(r.request.id);
        waits.push((after?.nextPushAt?.getTime() ?? 0) - t.clock.now().getTime());
      }
      const locking = await t.engine.stores.requests.get(r.request.id);
      expect(locking?.state).toBe("passcode_reset");
      expect(Math.max(...waits.slice(0, -1))).toBe(300_000);
      // The lock was sent just now: its first read is due within the shortest wait, not in 5 minutes.
      expect((locking?.nextPushAt?.getTime() ?? 0) - t.clock.now().getTime()).toBeLessThanOrEqual(5_000);
    });

    it("the two-person rule: nothing reaches Intune until a second admin approves", async () => {
      const t = await engine({ requireApproval: true });
      const r = await start(t, "approve-1");
      if (r.status !== "started") throw new Error(r.status);
      expect(r.request.state).toBe("awaiting_approval");
      expect(resets("approve-1")).toHaveLength(0);
      const approved = await approveReset(t.engine, {
        actorEmail: "ada@example.com",
        requestId: r.request.id,
        surface: "cli",
      });
      expect(approved.status).toBe("approved");
      expect(resets("approve-1")).toHaveLength(1);
      expect((await drive(t, r.request.id))?.state).toBe("completed");
    });
  });
}
