// The rules a reset request obeys from the start: refusals, one request per device, idempotency,
// passcode history, and lock-only for devices that cannot be reset. On each real database.
import { describe, expect, it } from "vitest";
import { cryptoRandom } from "../../src/adapters/system.ts";
import type { DeviceInput } from "../../src/core/ports.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { reportLostDevice, type StartResult, startReset } from "../../src/core/reset/start-reset.ts";
import { ACTIVE_STATES, type Device } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

const REFUSED_DEVICES: { name: string; device: Partial<DeviceInput>; reason: string }[] = [
  {
    name: "an iPhone",
    device: {
      id: "ios-1",
      name: "Alice's iPhone",
      platform: "ios",
      osVersion: "17.4",
      managementMode: "mdm",
    },
    reason: "Apple devices have no command to set a new passcode",
  },
  {
    name: "an Android 7.1 Device Administrator phone with a passcode",
    device: { id: "old-1", name: "Alice's Galaxy S7", osVersion: "7.1.2", managementMode: "device_admin" },
    reason: "Android 7+ does not let a Device Administrator change an existing passcode",
  },
];

describe.each(targets)("reset rules on $name", (target) => {
  const t = useTestEngine(target, {
    seed: async ({ engine }) => {
      const devices = [deviceInput(), ...REFUSED_DEVICES.map((r) => deviceInput(r.device))];
      await engine.stores.directory.upsertInventory(people, devices);
    },
  });

  async function device(id = "dev-001"): Promise<Device> {
    const d = await t().engine.stores.directory.device(id);
    if (!d) throw new Error(`device ${id} missing`);
    return d;
  }

  function adminReset(extra: { actorEmail?: string; idempotencyKey?: string; deviceId?: string } = {}) {
    return startReset(t().engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
      ...extra,
    });
  }

  function startedId(r: StartResult): string {
    if (r.status !== "started") throw new Error(`expected started, got ${r.status}`);
    return r.request.id;
  }

  /** Device side of a full reset; returns the passcode it was given. */
  async function runToCompletion(requestId: string): Promise<string> {
    const d = await device();
    const command = await fetchPendingCommand(t().engine, d);
    expect(command?.requestId).toBe(requestId);
    for (const step of ["passcode_reset", "locked"] as const) {
      expect(await reportDeviceStep(t().engine, d, requestId, { step })).toMatchObject({ ok: true });
    }
    expect((await t().engine.stores.requests.get(requestId))?.state).toBe("completed");
    return command?.passcode ?? "";
  }

  const requestsOf = (deviceId = "dev-001") => t().engine.stores.requests.list({ limit: 50, deviceId });

  it.each(REFUSED_DEVICES)("refuses $name with its reason, sends nothing, and audits it", async (row) => {
    const id = row.device.id ?? "";
    const r = await adminReset({ deviceId: id });
    expect(r.status).toBe("refused");
    if (r.status !== "refused") return;
    expect(r.request.state).toBe("refused");
    expect(r.request.outcome).toContain(row.reason);
    expect(r.request.outcome).toBe(r.capability.reset.reason);
    expect(r.request.finishedAt).not.toBeNull();
    expect(r.request.hasPasscode).toBe(false);

    const events = await t().engine.stores.requests.events(r.request.id);
    expect(events.map((e) => e.type)).toEqual(["requested", "refused"]);
    expect(events[1]?.detail).toContain(row.reason);
    expect(t().push.sent).toHaveLength(0);
    expect(await fetchPendingCommand(t().engine, await device(id))).toBeNull();
    expect(await t().engine.stores.requests.activeForDevice(id)).toBeNull();

    const audit = await t().engine.stores.audit.list({});
    const refusal = audit.find((a) => a.action === "reset" && a.requestId === r.request.id);
    expect(refusal).toMatchObject({
      actor: "ada@example.com",
      outcome: "refused",
      deviceId: id,
      surface: "cli",
    });
    expect(refusal?.detail).toContain(row.reason);
  });

  it("answers busy with the first request's id while one is active, and creates nothing", async () => {
    const firstId = startedId(await adminReset());
    const second = await adminReset({ actorEmail: "root@example.com" });
    expect(second.status).toBe("busy");
    if (second.status !== "busy") return;
    expect(second.message).toContain(firstId);
    expect(second.request.id).toBe(firstId);

    const all = await requestsOf();
    expect(all.map((r) => r.id)).toEqual([firstId]);
    expect(t().push.sent).toHaveLength(1);
    const audit = await t().engine.stores.audit.list({});
    expect(audit.filter((a) => a.action === "reset" && a.outcome === "refused")).toEqual([
      expect.objectContaining({ actor: "root@example.com", requestId: firstId, detail: second.message }),
    ]);
  });

  it("treats the same idempotency key twice as one request with one push", async () => {
    const first = await adminReset({ idempotencyKey: "slack-msg-42" });
    const firstId = startedId(first);
    const again = await adminReset({ idempotencyKey: "slack-msg-42" });
    expect(again.status).toBe("duplicate");
    expect(again.status === "duplicate" && again.request.id).toBe(firstId);
    expect((await requestsOf()).map((r) => r.id)).toEqual([firstId]);
    expect(t().push.sent).toHaveLength(1);
  });

  it.each([
    { name: "without a key", key: undefined },
    { name: "with the same idempotency key", key: "double-click" },
  ])("lets only one of two concurrent starts for one device win ($name)", async ({ key }) => {
    const results = await Promise.all([
      adminReset({ idempotencyKey: key }),
      adminReset({ idempotencyKey: key, actorEmail: key ? "ada@example.com" : "root@example.com" }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === "started")).toHaveLength(1);
    expect(statuses.filter((s) => s === "busy" || s === "duplicate")).toHaveLength(1);
    const winner = results.find((r) => r.status === "started");
    const loser = results.find((r) => r.status !== "started");
    expect(loser && "request" in loser && loser.request.id).toBe(winner && startedId(winner));

    const all = await requestsOf();
    expect(all).toHaveLength(1);
    expect(all.filter((r) => (ACTIVE_STATES as readonly string[]).includes(r.state))).toHaveLength(1);
    expect(t().push.sent).toHaveLength(1);
  });

  it("never gives a device one of its previous passcodes", async () => {
    // The random source offers the same first candidate every time; history must reject it.
    const favourite = "918273";
    let scripted: number[] = [];
    t().engine.random = { ...cryptoRandom, int: (max) => scripted.shift() ?? cryptoRandom.int(max) };
    const passcodes: string[] = [];
    for (let i = 0; i < 4; i++) {
      scripted = [...favourite].map(Number);
      const id = startedId(await adminReset());
      passcodes.push(await runToCompletion(id));
      t().clock.advance(60_000);
    }
    expect(passcodes[0]).toBe(favourite);
    expect(new Set(passcodes).size).toBe(passcodes.length);
    for (const p of passcodes) expect(p).toMatch(/^\d{6}$/);
  });

  it("locks an owner's lost iPhone without touching its passcode, and completes with no deliveries", async () => {
    const r = await reportLostDevice(t().engine, {
      actorEmail: "alice@example.com",
      deviceId: "ios-1",
      surface: "slack",
    });
    const id = startedId(r);
    expect(r.status === "started" && r.request.kind).toBe("lock");
    expect(r.status === "started" && r.request.hasPasscode).toBe(false);
    expect(await t().engine.stores.requests.passcodeCipher(id)).toBeNull();

    const d = await device("ios-1");
    const command = await fetchPendingCommand(t().engine, d);
    expect(command).toEqual({ requestId: id, type: "lock", expiresAt: expect.any(String) });
    expect(command).not.toHaveProperty("passcode");
    expect(await reportDeviceStep(t().engine, d, id, { step: "passcode_reset" })).toMatchObject({
      ok: false,
      status: 409,
    });
    expect(await reportDeviceStep(t().engine, d, id, { step: "locked" })).toMatchObject({
      ok: true,
      changed: true,
    });

    const done = await t().engine.stores.requests.get(id);
    expect(done?.state).toBe("completed");
    expect(done?.outcome).toBe("The device is locked.");
    expect(await t().engine.stores.deliveries.forRequest(id)).toEqual([]);
    expect(t().sender.letters).toEqual([]);
    const types = (await t().engine.stores.requests.events(id)).map((e) => e.type);
    expect(types).toEqual(["requested", "checked", "pushed", "received", "locked", "completed"]);
  });
});
