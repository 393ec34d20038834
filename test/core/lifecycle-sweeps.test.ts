// What happens around and after a reset: cancel, expiry, re-push, delivery retries, passcode
// purge and the device's own reports, as an admin would see them in the timeline. Each database.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/core/engine.ts";
import { registerPushToken } from "../../src/core/enrollment.ts";
import { PermanentDeliveryError } from "../../src/core/ports.ts";
import { cancelReset } from "../../src/core/reset/cancel-reset.ts";
import { deliverPending } from "../../src/core/reset/deliver.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { expireDue } from "../../src/core/reset/expire.ts";
import { purgeDelivered } from "../../src/core/reset/purge.ts";
import { pushDue } from "../../src/core/reset/push-command.ts";
import { reportLostDevice, startReset } from "../../src/core/reset/start-reset.ts";
import type { Device } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("lifecycle and sweeps on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(people, [
        deviceInput(),
        deviceInput({ id: "dev-bob", ownerEmail: "bob@example.com", name: "Bob's Pixel 7" }),
        deviceInput({
          id: "iphone",
          name: "Alice's iPhone",
          platform: "ios",
          osVersion: "17.4",
          managementMode: "mdm",
        }),
      ]),
  });

  const requests = () => t().engine.stores.requests;
  async function device(id = "dev-001"): Promise<Device> {
    const d = await t().engine.stores.directory.device(id);
    if (!d) throw new Error(`device ${id} missing`);
    return d;
  }
  async function start(deviceId = "dev-001"): Promise<string> {
    const r = await startReset(t().engine, {
      actorEmail: "ada@example.com",
      deviceId,
      notifyUser: false,
      surface: "cli",
    });
    if (r.status !== "started") throw new Error(`expected started, got ${r.status}`);
    return r.request.id;
  }
  const state = async (id: string) => (await requests().get(id))?.state;
  const types = async (id: string) => (await requests().events(id)).map((e) => e.type);
  const report = async (
    id: string,
    step: "received" | "passcode_reset" | "locked" | "failed",
    reason?: string,
  ) => reportDeviceStep(t().engine, await device(), id, { step, ...(reason ? { reason } : {}) });
  /** Device picks the command up; returns the passcode it carries. */
  async function pickUp(): Promise<string> {
    const command = await fetchPendingCommand(t().engine, await device());
    if (!command?.passcode) throw new Error("no reset command");
    return command.passcode;
  }
  const cancel = (requestId: string) =>
    cancelReset(t().engine, { actorEmail: "ada@example.com", requestId, surface: "cli", reason: "found it" });

  describe("cancel", () => {
    it("cancels before pickup and erases the passcode at once", async () => {
      const id = await start();
      expect(await requests().passcodeCipher(id)).not.toBeNull();
      const r = await cancel(id);
      expect(r.status).toBe("cancelled");
      const after = await requests().get(id);
      expect(after).toMatchObject({ state: "cancelled", hasPasscode: false });
      expect(after?.outcome).toBe("Cancelled by ada@example.com. Reason: found it");
      expect(await requests().passcodeCipher(id)).toBeNull();
      expect((await types(id)).at(-1)).toBe("cancelled");
      expect(await fetchPendingCommand(t().engine, await device())).toBeNull();
    });

    it("is too late once the device picked the command up", async () => {
      const id = await start();
      await pickUp();
      const r = await cancel(id);
      expect(r.status).toBe("too_late");
      expect(r.status === "too_late" && r.message).toContain("already picked up");
      expect(await state(id)).toBe("received");
      expect(await requests().passcodeCipher(id)).not.toBeNull();
    });
  });

  /** The engine as the device agent sees it, with `meanwhile` run right after it looked up the active request. */
  function racing(meanwhile: () => Promise<unknown>): Engine {
    const real = t().engine.stores.requests;
    const activeForDevice = async (deviceId: string) => {
      const found = await real.activeForDevice(deviceId);
      await meanwhile();
      return found;
    };
    return { ...t().engine, stores: { ...t().engine.stores, requests: { ...real, activeForDevice } } };
  }

  describe("cancel racing the device's pickup", () => {
    it("gives the device no reset command once the cancel won", async () => {
      const id = await start();
      const command = await fetchPendingCommand(
        racing(() => cancel(id)),
        await device(),
      );
      expect(await state(id)).toBe("cancelled");
      expect(command).toBeNull();
    });

    // When the move to "received" loses to a cancel, the device must get nothing to execute.
    it("gives the device no lock command once the cancel won", async () => {
      const lost = await reportLostDevice(t().engine, {
        actorEmail: "alice@example.com",
        deviceId: "iphone",
        surface: "cli",
      });
      if (lost.status !== "started") throw new Error(lost.status);
      const command = await fetchPendingCommand(
        racing(() => cancel(lost.request.id)),
        await device("iphone"),
      );
      expect(await state(lost.request.id)).toBe("cancelled");
      expect(command).toBeNull();
    });
  });

  describe("expiry", () => {
    it("expires a request the device never picked up, exactly once under concurrent sweeps", async () => {
      const id = await start();
      t().clock.advance(t().engine.settings.requestExpiryMs - 1);
      expect(await expireDue(t().engine)).toBe(0);
      t().clock.advance(1);
      const counts = await Promise.all([expireDue(t().engine), expireDue(t().engine)]);
      expect(counts[0] + counts[1]).toBe(1);
      const r = await requests().get(id);
      expect(r?.state).toBe("expired");
      expect(r?.outcome).toContain("the device never picked up the command (1 push attempt(s))");
      expect(r?.hasPasscode).toBe(false);
      expect((await types(id)).filter((x) => x === "expired")).toHaveLength(1);
      const audit = await t().engine.stores.audit.list({});
      expect(audit.filter((a) => a.action === "request.expire" && a.requestId === id)).toHaveLength(1);
      expect(await expireDue(t().engine)).toBe(0);
      expect(await fetchPendingCommand(t().engine, await device())).toBeNull();
    });
  });

  describe("re-push", () => {
    it("retries a transient push failure only after its backoff", async () => {
      t().push.next = [{ ok: false, kind: "transient", message: "x" }];
      const id = await start();
      expect(await state(id)).toBe("passcode_generated");
      expect(await types(id)).toContain("push_failed");
      const backoff = t().engine.settings.pushBackoffMs[0] ?? 0;
      t().clock.advance(backoff - 1);
      await pushDue(t().engine);
      expect(t().push.sent).toHaveLength(1);
      t().clock.advance(1);
      expect(await pushDue(t().engine)).toBe(1);
      expect(t().push.sent).toHaveLength(2);
      expect(await state(id)).toBe("pushed");
      expect((await types(id)).slice(-2)).toEqual(["push_failed", "pushed"]);
    });

    it("stops pushing to an unregistered device until it registers a new token", async () => {
      t().push.next = [
        { ok: false, kind: "unregistered", message: "The push registration is no longer valid." },
      ];
      const id = await start();
      expect((await device()).pushUnreachableAt).toEqual(t().clock.now());
      const failed = (await requests().events(id)).find((e) => e.type === "push_failed");
      expect(failed?.detail).toContain("waits for the device's next check-in");

      t().clock.advance(3_600_000);
      expect(await pushDue(t().engine)).toBe(0);
      expect(t().push.sent).toHaveLength(1);

      await registerPushToken(t().engine, "dev-001", "fresh-token");
      expect(await device()).toMatchObject({ pushToken: "fresh-token", pushUnreachableAt: null });
      expect(await pushDue(t().engine)).toBe(1);
      expect(t().push.sent).toHaveLength(2);
      expect(await state(id)).toBe("pushed");
    });
  });

  describe("delivery", () => {
    it("retries a failing delivery with the passcode redacted, gives up, and still completes", async () => {
      const id = await start();
      const passcode = await pickUp();
      const max = t().engine.settings.deliveryMaxAttempts;
      t().sender.failures = [
        new Error(`relay refused a message containing ${passcode}`),
        ...Array.from({ length: max - 1 }, () => new Error("connection timed out")),
      ];
      await report(id, "passcode_reset");
      await report(id, "locked");
      expect(await state(id)).toBe("locked");
      expect(await deliverPending(t().engine)).toBe(0); // nothing due before the backoff
      for (let attempt = 2; attempt <= max; attempt++) {
        t().clock.advance(3_600_000);
        expect(await deliverPending(t().engine)).toBe(1);
      }
      const events = await requests().events(id);
      const kinds = events.map((e) => e.type);
      expect(kinds.filter((k) => k === "delivery_retry")).toHaveLength(max - 1);
      expect(kinds.slice(-2)).toEqual(["delivery_failed", "completed"]);
      expect(events.find((e) => e.type === "delivery_retry")?.detail).toContain("[redacted]");
      for (const e of events) expect(e.detail).not.toContain(passcode);
      const [delivery] = await t().engine.stores.deliveries.forRequest(id);
      expect(delivery).toMatchObject({ status: "failed", attempts: max });
      expect(delivery?.lastError).not.toContain(passcode);
      for (const a of await t().engine.stores.audit.list({})) expect(a.detail).not.toContain(passcode);

      const done = await requests().get(id);
      expect(done?.state).toBe("completed");
      expect(done?.outcome).toContain("could not be delivered");
      expect(t().sender.letters).toEqual([]);
    });

    it("delivers a request's passcode at once even when other requests' deliveries are due before it", async () => {
      const engine = t().engine;
      const drive = async (deviceId: string, id: string) => {
        const d = await device(deviceId);
        await fetchPendingCommand(engine, d);
        await reportDeviceStep(engine, d, id, { step: "passcode_reset" });
        await reportDeviceStep(engine, d, id, { step: "locked" });
      };
      // Bob's request locks first, but its email fails once: it is due again, older than Alice's.
      const bobs = await start("dev-bob");
      t().sender.failures = [new Error("relay busy")];
      await drive("dev-bob", bobs);
      t().clock.advance(3_600_000);
      const alices = await start("dev-001");
      t().sender.failures = [new Error("relay busy")];
      await drive("dev-001", alices);
      t().clock.advance(3_600_000);
      // Asked for Alice's only, one at a time: hers go, though Bob's is the oldest due.
      expect(await deliverPending(engine, { requestId: alices }, 1)).toBe(1);
      expect(t().sender.letters.map((l) => l.request.id)).toEqual([alices]);
      expect((await requests().get(alices))?.state).toBe("completed");
      expect((await requests().get(bobs))?.state).toBe("locked");
    });

    it("gives a delivery up at once when the sender says no retry can help, and completes", async () => {
      const id = await start();
      await pickUp();
      t().sender.failures = [new PermanentDeliveryError("the mail server refused alice@example.com (550)")];
      await report(id, "passcode_reset");
      await report(id, "locked");
      const events = await requests().events(id);
      expect(events.map((e) => e.type)).not.toContain("delivery_retry");
      expect(events.map((e) => e.type).slice(-2)).toEqual(["delivery_failed", "completed"]);
      expect(events.find((e) => e.type === "delivery_failed")?.detail).toContain(
        "trying again cannot help: the mail server refused alice@example.com (550)",
      );
      const [delivery] = await t().engine.stores.deliveries.forRequest(id);
      expect(delivery).toMatchObject({ status: "failed", attempts: 1 });
      t().clock.advance(86_400_000);
      expect(await deliverPending(t().engine)).toBe(0);
    });
  });

  describe("purge", () => {
    it("keeps the encrypted passcode for the retention window, then erases it once", async () => {
      const id = await start();
      await pickUp();
      await report(id, "passcode_reset");
      await report(id, "locked");
      expect(await state(id)).toBe("completed");
      t().clock.advance(t().engine.settings.passcodeRetentionMs - 1);
      expect(await purgeDelivered(t().engine)).toBe(0);
      expect(await requests().passcodeCipher(id)).not.toBeNull();
      t().clock.advance(1);
      expect(await purgeDelivered(t().engine)).toBe(1);
      expect(await requests().passcodeCipher(id)).toBeNull();
      expect((await requests().get(id))?.hasPasscode).toBe(false);
      expect((await types(id)).at(-1)).toBe("passcode_purged");
      expect(await purgeDelivered(t().engine)).toBe(0);
      expect((await types(id)).filter((x) => x === "passcode_purged")).toHaveLength(1);
    });
  });

  describe("device reports", () => {
    it("ends failed with the device's reason, never echoing the passcode, and sends the passcode it may have applied", async () => {
      const id = await start();
      const passcode = await pickUp();
      const r = await report(id, "failed", `keyguard rejected ${passcode}: too weak`);
      expect(r).toEqual({ ok: true, state: "failed", changed: true });
      const after = await requests().get(id);
      expect(after?.state).toBe("failed");
      expect(after?.outcome).toContain("[redacted]");
      expect(after?.outcome).not.toContain(passcode);
      expect(after?.hasPasscode).toBe(true);
      expect(t().sender.letters.map((l) => l.passcode)).toEqual([passcode]);
      for (const e of await requests().events(id)) expect(e.detail).not.toContain(passcode);
      const audit = (await t().engine.stores.audit.list({})).find((a) => a.action === "device.failed");
      expect(audit).toMatchObject({ actor: "device:dev-001", outcome: "failed", requestId: id });
      expect(audit?.detail).not.toContain(passcode);
    });

    it("accepts the same step twice without a second event", async () => {
      const id = await start();
      await pickUp();
      expect(await report(id, "received")).toEqual({ ok: true, state: "received", changed: false });
      expect(await report(id, "passcode_reset")).toEqual({
        ok: true,
        state: "passcode_reset",
        changed: true,
      });
      expect(await report(id, "passcode_reset")).toEqual({
        ok: true,
        state: "passcode_reset",
        changed: false,
      });
      expect((await types(id)).filter((x) => x === "passcode_reset")).toHaveLength(1);
    });

    it("rejects a step out of order with 409 and leaves the request as it was", async () => {
      const id = await start();
      await pickUp();
      const r = await report(id, "locked");
      expect(r).toMatchObject({ ok: false, status: 409 });
      expect(await state(id)).toBe("received");
      expect(await t().engine.stores.deliveries.forRequest(id)).toEqual([]);
    });

    it("answers 404 for a request of another device", async () => {
      const bobs = await start("dev-bob");
      const r = await reportDeviceStep(t().engine, await device("dev-001"), bobs, {
        step: "failed",
        reason: "x",
      });
      expect(r).toMatchObject({ ok: false, status: 404 });
      expect(await state(bobs)).toBe("pushed");
      expect(await fetchPendingCommand(t().engine, await device("dev-001"))).toBeNull();
    });
  });
});
