// A phone quicker than the push service's answer: it picks the command up while the push to it is
// still on its way (or checks in on its own before any push). The timeline must say what happened,
// in order, without a gap it does not explain and without "retrying" a push nobody will retry.
import { describe, expect, it } from "vitest";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { pushDue } from "../../src/core/reset/push-command.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import type { Device } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("the device picks up before the push is confirmed, on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, [deviceInput()]),
  });

  async function start() {
    const r = await startReset(t().engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    if (r.status !== "started") throw new Error(`not started: ${r.status}`);
    return r.request.id;
  }
  const events = (id: string) => t().engine.stores.requests.events(id);
  /** The phone fetches its command while the push to it is on its way. */
  function quickPhone(): { passcode: string | undefined } {
    const got: { passcode: string | undefined } = { passcode: undefined };
    t().push.whileSending = async (device: Device) => {
      t().push.whileSending = null;
      got.passcode = (await fetchPendingCommand(t().engine, device))?.passcode;
    };
    return got;
  }

  it("push confirmed after the pickup: 'received' says why there is no 'sent' step, and the reset completes", async () => {
    const got = quickPhone();
    const id = await start();
    expect(got.passcode).toMatch(/^\d{6,16}$/);
    const after = await events(id);
    expect(after.map((e) => e.type)).toEqual(["requested", "checked", "passcode_generated", "received"]);
    expect(after.at(-1)?.detail).toBe(
      "The device picked up the command before the test push channel confirmed the push to it.",
    );
    expect((await t().engine.stores.requests.get(id))?.state).toBe("received");

    const device = (await t().engine.stores.directory.device("dev-001")) as Device;
    for (const step of ["passcode_reset", "locked"] as const) {
      expect((await reportDeviceStep(t().engine, device, id, { step })).ok).toBe(true);
    }
    expect((await t().engine.stores.requests.get(id))?.state).toBe("completed");
  });

  it("push failed after the pickup: no 'failed, retrying' line, no further push", async () => {
    quickPhone();
    t().push.next = [{ ok: false, kind: "transient", message: "FCM answered 503." }];
    const id = await start();
    const types = (await events(id)).map((e) => e.type);
    expect(types).toEqual(["requested", "checked", "passcode_generated", "received"]);
    expect(t().logs.join("")).toContain("push failed after the request had moved on; nothing to retry");

    t().clock.advance(60 * 60_000);
    await pushDue(t().engine);
    expect(t().push.sent).toHaveLength(1);
    expect((await events(id)).map((e) => e.type)).toEqual(types);
  });

  it("a re-push that crosses the pickup adds no 'not picked up yet' line after 'received'", async () => {
    const id = await start();
    expect((await t().engine.stores.requests.get(id))?.state).toBe("pushed");
    quickPhone();
    t().clock.advance(60 * 60_000);
    await pushDue(t().engine);
    expect(t().push.sent).toHaveLength(2);
    const after = await events(id);
    expect(after.map((e) => e.type)).toEqual([
      "requested",
      "checked",
      "passcode_generated",
      "pushed",
      "received",
    ]);
    expect(after.at(-1)?.detail).toBe("The device picked up the command.");
  });

  it("picked up at the phone's own check-in, before any push: the timeline says so", async () => {
    const { engine } = t();
    const id = "rq_checkin0001";
    await engine.stores.requests.create(
      {
        id,
        kind: "lock",
        deviceId: "dev-001",
        requestedBy: "ada@example.com",
        surface: "cli",
        notifyUser: false,
        state: "checked",
        expiresAt: new Date(engine.clock.now().getTime() + 60 * 60_000),
        nextPushAt: null,
        passcodeCipher: null,
        idempotencyKeyHash: null,
        outcome: null,
        finishedAt: null,
      },
      [{ type: "requested", actor: "ada@example.com", detail: "Lock requested." }],
      {},
    );
    const device = (await engine.stores.directory.device("dev-001")) as Device;
    expect((await fetchPendingCommand(engine, device))?.type).toBe("lock");
    expect((await events(id)).at(-1)).toMatchObject({
      type: "received",
      detail: "The device picked up the command at its own check-in, before any push was sent to it.",
    });
  });
});
