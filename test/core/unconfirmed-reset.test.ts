// A reset the device picked up but never confirmed (it failed, or the request expired) may have
// changed the phone's passcode: the passcode reaches the requester (email and chat DM) once, with
// words that say it may not apply, and is erased only the retention window after that. A device's
// report that arrives after the end is recorded, never refused. Each database.
import { describe, expect, it } from "vitest";
import { deliverPending } from "../../src/core/reset/deliver.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { expireDue } from "../../src/core/reset/expire.ts";
import { purgeDelivered } from "../../src/core/reset/purge.ts";
import { resendPasscode } from "../../src/core/reset/resend-passcode.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import type { Device } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, RecordingSender, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("a reset the device did not confirm, on $name", (target) => {
  const dm = new RecordingSender("slack_dm", "slack");
  const t = useTestEngine(target, {
    seed: async ({ engine }) => {
      dm.letters = [];
      engine.senders.push(dm);
      await engine.stores.directory.upsertInventory(people, [deviceInput()]);
    },
  });

  const requests = () => t().engine.stores.requests;
  async function device(): Promise<Device> {
    const d = await t().engine.stores.directory.device("dev-001");
    if (!d) throw new Error("device missing");
    return d;
  }
  async function start(): Promise<string> {
    const r = await startReset(t().engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "slack",
    });
    if (r.status !== "started") throw new Error(`expected started, got ${r.status}`);
    return r.request.id;
  }
  async function pickUp(): Promise<string> {
    const command = await fetchPendingCommand(t().engine, await device());
    if (!command?.passcode) throw new Error("no reset command");
    return command.passcode;
  }
  const report = async (
    id: string,
    step: "received" | "passcode_reset" | "locked" | "failed",
    reason?: string,
  ) => reportDeviceStep(t().engine, await device(), id, { step, ...(reason ? { reason } : {}) });
  const types = async (id: string) => (await requests().events(id)).map((e) => e.type);
  /** Every copy of the passcode that reached someone, as "channel to recipient". */
  const received = (passcode: string) => [
    ...t()
      .sender.letters.filter((l) => l.passcode === passcode)
      .map((l) => `${l.recipient.email} by email`),
    ...dm.letters.filter((l) => l.passcode === passcode).map((l) => `${l.recipient.email} by dm`),
  ];

  /** The passcode is kept for the retention window after its delivery, then erased once. */
  async function expectKeptThenErased(id: string): Promise<void> {
    t().clock.advance(t().engine.settings.passcodeRetentionMs - 1);
    expect(await purgeDelivered(t().engine)).toBe(0);
    expect(await requests().passcodeCipher(id)).not.toBeNull();
    t().clock.advance(1);
    expect(await purgeDelivered(t().engine)).toBe(1);
    expect(await requests().passcodeCipher(id)).toBeNull();
  }

  it("sends the passcode when the device set it and then reported a failure", async () => {
    const id = await start();
    const passcode = await pickUp();
    await report(id, "passcode_reset");
    expect(await report(id, "failed", "the screen lock could not be engaged")).toEqual({
      ok: true,
      state: "failed",
      changed: true,
    });
    const after = await requests().get(id);
    expect(after?.state).toBe("failed");
    expect(after?.outcome).toContain("may have applied it: it is sent privately to ada@example.com");
    expect(received(passcode)).toEqual(["ada@example.com by email", "ada@example.com by dm"]);
    for (const letter of [...t().sender.letters, ...dm.letters]) {
      expect(letter.caveat).toContain("may or may not have applied this passcode");
    }
    expect((await types(id)).slice(-3)).toEqual(["failed", "delivered", "delivered"]);
    // The sweeps change nothing more: one copy each.
    await deliverPending(t().engine);
    expect(received(passcode)).toHaveLength(2);
    await expectKeptThenErased(id);
  });

  it("sends the passcode when the request expires after the device picked it up", async () => {
    const id = await start();
    const passcode = await pickUp();
    t().clock.advance(t().engine.settings.requestExpiryMs);
    expect(await expireDue(t().engine)).toBe(1);
    const after = await requests().get(id);
    expect(after?.state).toBe("expired");
    expect(after?.outcome).toContain("did not report the result (last step: received)");
    expect(after?.outcome).toContain("it is sent privately to ada@example.com");
    expect(received(passcode)).toEqual(["ada@example.com by email", "ada@example.com by dm"]);
    expect(t().sender.letters[0]?.caveat).toContain(
      "the request expired before the device reported the result",
    );
    await expectKeptThenErased(id);
  });

  it("erases at once, sending nothing, when the request expires before the device picked it up", async () => {
    const id = await start();
    t().clock.advance(t().engine.settings.requestExpiryMs);
    expect(await expireDue(t().engine)).toBe(1);
    expect((await requests().get(id))?.state).toBe("expired");
    expect(await requests().passcodeCipher(id)).toBeNull();
    expect(t().sender.letters).toEqual([]);
    expect(dm.letters).toEqual([]);
  });

  it("records a 'locked' report after the expiry, without a second copy of the passcode", async () => {
    const id = await start();
    const passcode = await pickUp();
    await report(id, "passcode_reset");
    t().clock.advance(t().engine.settings.requestExpiryMs);
    expect(await expireDue(t().engine)).toBe(1);
    expect(received(passcode)).toHaveLength(2);

    const late = await report(id, "locked");
    expect(late).toEqual({ ok: true, state: "expired", changed: false });
    expect(await report(id, "locked")).toEqual({ ok: true, state: "expired", changed: false });
    const events = await requests().events(id);
    const notes = events.filter((e) => e.type === "late_report");
    expect(notes).toHaveLength(1);
    expect(notes[0]?.detail).toBe(
      "After the request had expired, the device reported that it is locked. The new passcode was already sent.",
    );
    expect(notes[0]?.actor).toBe("device:dev-001");
    const audit = (await t().engine.stores.audit.list({})).filter((a) => a.action === "device.late_report");
    expect(audit).toEqual([
      expect.objectContaining({
        actor: "device:dev-001",
        requestId: id,
        detail: "locked reported after the request ended (expired)",
      }),
    ]);
    const after = await requests().get(id);
    expect(after?.state).toBe("expired");
    expect(received(passcode)).toEqual(["ada@example.com by email", "ada@example.com by dm"]);
    // Its finish time is the expiry's, not the late report's.
    expect(after?.finishedAt?.getTime()).toBeLessThanOrEqual(t().clock.now().getTime());
  });

  it("keeps a passcode nobody received past the retention window", async () => {
    const id = await start();
    const passcode = await pickUp();
    t().engine.settings.deliveryMaxAttempts = 1;
    t().sender.failures = [new Error("mail server down")];
    dm.failures = [new Error("Slack is down")];
    await report(id, "failed", "keyguard error");
    expect(received(passcode)).toEqual([]);
    t().clock.advance(10 * t().engine.settings.passcodeRetentionMs);
    expect(await purgeDelivered(t().engine)).toBe(0);
    expect(await requests().passcodeCipher(id)).not.toBeNull();
  });

  it("says so when a device reports applying a passcode that was already erased", async () => {
    const id = await start();
    // Reported failed before it picked anything up: the passcode is erased at once.
    await report(id, "failed", "no reset token");
    expect(await requests().passcodeCipher(id)).toBeNull();
    expect(await report(id, "passcode_reset")).toEqual({ ok: true, state: "failed", changed: false });
    const note = (await requests().events(id)).find((e) => e.type === "late_report");
    expect(note?.detail).toContain("it set the new passcode. Its passcode had already been erased");
    expect(t().logs.join("")).toContain("a device applied a passcode that was already erased");
    expect(t().sender.letters).toEqual([]);
  });
});

describe.each(targets)("sending a kept passcode again, on $name", (target) => {
  const t = useTestEngine(target, {
    settings: { deliveryMaxAttempts: 1 },
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, [deviceInput()]),
  });

  it("sends a passcode nobody received when an admin asks, then erases it after the retention window", async () => {
    const started = await startReset(t().engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(started.status);
    const id = started.request.id;
    const d = await t().engine.stores.directory.device("dev-001");
    if (!d) throw new Error("no device");
    const command = await fetchPendingCommand(t().engine, d);
    t().sender.failures = [new Error("mail server down")];
    await reportDeviceStep(t().engine, d, id, { step: "failed", reason: "keyguard error" });
    expect(t().sender.letters).toEqual([]);

    expect(
      await resendPasscode(t().engine, { actorEmail: "alice@example.com", requestId: id, surface: "cli" }),
    ).toEqual({
      status: "refused",
      message: expect.stringContaining("Only IT admins"),
    });
    const again = await resendPasscode(t().engine, {
      actorEmail: "ada@example.com",
      requestId: id,
      surface: "cli",
    });
    expect(again).toEqual({ status: "sent", sent: ["ada@example.com (email)"], retrying: [], failed: [] });
    expect(t().sender.letters.map((l) => l.passcode)).toEqual([command?.passcode]);
    const audit = (await t().engine.stores.audit.list({})).filter((a) => a.action === "passcode.resend");
    expect(audit).toEqual([
      expect.objectContaining({
        actor: "ada@example.com",
        requestId: id,
        detail: "email to ada@example.com",
      }),
    ]);
    expect((await t().engine.stores.requests.events(id)).map((e) => e.detail)).toContain(
      "ada@example.com asked to send the passcode again by email to ada@example.com.",
    );
    // Nothing failed any more: a second ask sends nothing.
    expect(
      (await resendPasscode(t().engine, { actorEmail: "ada@example.com", requestId: id, surface: "cli" }))
        .status,
    ).toBe("nothing_to_send");
    t().clock.advance(t().engine.settings.passcodeRetentionMs);
    expect(await purgeDelivered(t().engine)).toBe(1);
    expect(
      await resendPasscode(t().engine, { actorEmail: "ada@example.com", requestId: id, surface: "cli" }),
    ).toMatchObject({ status: "nothing_to_send", message: expect.stringContaining("already erased") });
  });
});
