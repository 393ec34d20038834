// An attempt to send a passcode whose process stopped mid-way (claimed, never recorded): once its
// claim lapses the passcode is sent again, and the timeline says the attempt before was cut off
// and may have gone out. A failure that was recorded is an ordinary retry, with no such note.
import { describe, expect, it } from "vitest";
import { DELIVERY_CLAIM_MS, deliverPending } from "../../src/core/reset/deliver.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("a delivery attempt cut off mid-way, on $name", (target) => {
  const t = useTestEngine(target, {
    settings: { deliveryBackoffMs: [1_000] },
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, [deviceInput()]),
  });

  it("is sent again once its claim lapses, and the timeline says the attempt before was cut off", async () => {
    const { engine, clock, sender } = t();
    const started = await startReset(engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(started.status);
    const id = started.request.id;
    const device = await engine.stores.directory.device("dev-001");
    if (!device) throw new Error("device missing");
    const passcode = (await fetchPendingCommand(engine, device))?.passcode ?? "";

    // Attempt 1 fails and is recorded: an ordinary retry.
    sender.failures.push(new Error("SMTP server did not answer in time (ETIMEDOUT)"));
    for (const step of ["received", "passcode_reset", "locked"] as const) {
      expect((await reportDeviceStep(engine, device, id, { step })).ok).toBe(true);
    }
    expect(sender.letters).toHaveLength(0);
    clock.advance(5_000);

    // Attempt 2 is claimed the way a worker claims it, and its process dies before it records
    // anything: nobody may take it while the claim holds.
    const [pending] = await engine.stores.deliveries.due(clock.now(), 10, id);
    if (!pending) throw new Error("no due delivery");
    expect(pending.attemptStartedAt).toBeNull();
    const claimedUntil = new Date(clock.now().getTime() + DELIVERY_CLAIM_MS);
    expect(await engine.stores.deliveries.claim(pending.id, pending.attempts, claimedUntil)).toBe(true);
    expect(await deliverPending(engine, { requestId: id })).toBe(0);
    clock.advance(DELIVERY_CLAIM_MS - 1_000);
    expect(await deliverPending(engine, { requestId: id })).toBe(0);

    // The claim lapses: the next worker sends it, once, and says why it is sending again.
    clock.advance(2_000);
    expect(await deliverPending(engine, { requestId: id })).toBe(1);
    expect(sender.letters.map((l) => [l.recipient.email, l.passcode])).toEqual([
      ["ada@example.com", passcode],
    ]);
    expect((await engine.stores.requests.get(id))?.state).toBe("completed");
    const [settled] = await engine.stores.deliveries.forRequest(id);
    expect(settled).toMatchObject({ status: "sent", attempts: 3, attemptStartedAt: null });

    const events = await engine.stores.requests.events(id);
    expect(events.map((e) => e.type).slice(-4)).toEqual([
      "delivery_retry",
      "delivery_retry",
      "delivered",
      "completed",
    ]);
    const [failed, cutOff] = events.filter((e) => e.type === "delivery_retry");
    expect(failed?.detail).toContain("failed (attempt 1)");
    expect(failed?.detail).not.toContain("cut off");
    expect(cutOff?.detail).toMatch(
      /^Attempt 2 to send the passcode by email to ada@example\.com \(started 27 Nov 2026 10:00 UTC\) was cut off before its outcome was recorded: the process sending it stopped, and it may have gone out\. Sending it again\.$/,
    );
    for (const e of events) expect(e.detail).not.toContain(passcode);
  });
});
