// The whole reset-and-lock sequence through the core, on each real database.
import { describe, expect, it } from "vitest";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("reset flow on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, [deviceInput()]),
  });

  it("resets, locks, delivers privately and completes, with every step in the timeline", async () => {
    const { engine } = t();
    const started = await startReset(engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: true,
      surface: "cli",
    });
    expect(started.status).toBe("started");
    if (started.status !== "started") return;
    expect(started.request.state).toBe("pushed");
    expect(t().push.sent).toHaveLength(1);
    expect(t().push.sent[0]?.message).toEqual({ requestId: started.request.id });

    const device = await engine.stores.directory.device("dev-001");
    if (!device) throw new Error("device missing");
    const command = await fetchPendingCommand(engine, device);
    expect(command?.type).toBe("reset_passcode_and_lock");
    const passcode = command?.passcode ?? "";
    expect(passcode).toMatch(/^\d{6,16}$/);

    for (const step of ["received", "passcode_reset", "locked"] as const) {
      const r = await reportDeviceStep(engine, device, started.request.id, { step });
      expect(r.ok).toBe(true);
    }
    const done = await engine.stores.requests.get(started.request.id);
    expect(done?.state).toBe("completed");
    expect(
      t()
        .sender.letters.map((l) => l.recipient.email)
        .sort(),
    ).toEqual(["ada@example.com", "alice@example.com"]);
    expect(t().sender.letters.every((l) => l.passcode === passcode)).toBe(true);

    const events = await engine.stores.requests.events(started.request.id);
    expect(events.map((e) => e.type)).toEqual([
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
    ]);
    for (const e of events) expect(e.detail).not.toContain(passcode);
    expect(t().push.sent.every((s) => !s.raw.includes(passcode))).toBe(true);
    expect(t().logs.join("")).not.toContain(passcode);
  });

  it("refuses a second reset of an Android 9 device-admin phone that now has a passcode", async () => {
    const { engine } = t();
    await engine.stores.directory.upsertInventory(people, [
      deviceInput({ id: "a9", osVersion: "9", managementMode: "device_admin", passcodeSet: false }),
    ]);
    const first = await startReset(engine, {
      actorEmail: "ada@example.com",
      deviceId: "a9",
      notifyUser: false,
      surface: "cli",
    });
    expect(first.status).toBe("started");
    const device = await engine.stores.directory.device("a9");
    if (!device || first.status !== "started") throw new Error("not started");
    await fetchPendingCommand(engine, device);
    for (const step of ["passcode_reset", "locked"] as const) {
      await reportDeviceStep(engine, device, first.request.id, { step });
    }
    expect((await engine.stores.directory.device("a9"))?.passcodeSet).toBe(true);
    const second = await startReset(engine, {
      actorEmail: "ada@example.com",
      deviceId: "a9",
      notifyUser: false,
      surface: "cli",
    });
    expect(second.status).toBe("refused");
    if (second.status === "refused") expect(second.request.outcome).toMatch(/Device Administrator/);
  });
});
