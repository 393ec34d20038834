// The simulator acts only where it is meant to: it never takes over a device another agent
// enrolled, its lock screen counts wrong passcodes like the device API counts failures, it is not
// served at all with SIMULATED_DEVICES=false, and its phones check in when they start (a fresh
// demo shows them seen just now, not "Last seen 10 days ago").
import { afterEach, describe, expect, it } from "vitest";
import { issueEnrollmentCode } from "../../src/core/enrollment.ts";
import { type Embedded, startEmbedded } from "../support/embedded.ts";

let latchkey: Embedded | undefined;
afterEach(async () => {
  await latchkey?.stop();
  latchkey = undefined;
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the device simulator", () => {
  it("never re-enrolls a device another agent enrolled: its push is refused and the agent keeps its secret", async () => {
    latchkey = await startEmbedded("sim-foreign", {}, () => ({}));
    const { running } = latchkey;
    await running.simulator?.idle();
    // Never seen, so the simulator left it alone at start: a real agent enrolls it.
    const deviceId = "demo-pixel-9-never-seen";
    const issued = await issueEnrollmentCode(running.core.engine, deviceId);
    if (!issued.ok) throw new Error(issued.message);
    const enrolled = await post(`${running.url}/device/v1/enroll`, { deviceId, enrollmentCode: issued.code });
    expect(enrolled.status).toBe(201);
    const { deviceSecret } = (await enrolled.json()) as { deviceSecret: string };

    const push = await post(`${running.url}/simulator/push`, { deviceId, requestId: "rq_someone_elses" });
    expect(push.status).toBe(404);
    running.simulator?.wake(deviceId);
    await running.simulator?.idle();

    const agent = await fetch(`${running.url}/device/v1/commands/next`, {
      headers: { authorization: `Bearer ${deviceSecret}` },
    });
    expect(agent.status).toBe(204);
    expect((await fetch(`${running.url}/simulator/devices/${deviceId}`)).status).toBe(404);
  });

  it("answers 429 to wrong passcodes on a lock screen past the allowance (DEVICE_API_RATE per address)", async () => {
    latchkey = await startEmbedded("sim-unlock-limit", { DEVICE_API_RATE: "120/m,3/m" }, () => ({}));
    const { running } = latchkey;
    await running.simulator?.idle();
    const unlock = (id: string) =>
      post(`${running.url}/simulator/devices/${id}/unlock`, { passcode: "000000" });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await unlock("demo-pixel-8-owner")).status);
    expect(statuses).toEqual([403, 403, 403]);
    const refused = await unlock("demo-pixel-8-owner");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another phone from the same address is refused too: the allowance is the caller's.
    expect((await unlock("demo-lumia-930-wp81")).status).toBe(429);
  });

  it("checks its phones in at start: a fresh demo shows them seen just now", async () => {
    const started = new Date();
    latchkey = await startEmbedded("sim-check-in", {}, () => ({}));
    const { directory } = latchkey.running.core.engine.stores;
    const id = "demo-pixel-8-owner";
    const seen = await until("the demo phone's check-in", async () => {
      const d = await directory.device(id);
      return d?.lastSeenAt && d.lastSeenAt >= started ? d.lastSeenAt : null;
    });
    expect(seen.getTime()).toBeGreaterThanOrEqual(started.getTime());
    await latchkey.running.simulator?.idle();
    const devices = await directory.listDevices();
    const stale = devices.filter((d) => d.lastSeenAt !== null && d.lastSeenAt < started).map((d) => d.id);
    expect(stale).toEqual([]);
    // A phone never seen has never run its agent: it stays so until a reset wakes it.
    expect((await directory.device("demo-pixel-9-never-seen"))?.lastSeenAt).toBeNull();
  });
});

describe("SIMULATED_DEVICES=false on the embedded default", () => {
  it("serves no /simulator/* route: devices are reached by their own check-in", async () => {
    latchkey = await startEmbedded("sim-off", { SIMULATED_DEVICES: "false" }, () => ({}));
    const { url, simulator } = latchkey.running;
    expect(simulator).toBeNull();
    expect((await fetch(`${url}/simulator/devices`)).status).toBe(404);
    expect(
      (await post(`${url}/simulator/push`, { deviceId: "demo-pixel-8-owner", requestId: "rq_x" })).status,
    ).toBe(404);
    expect((await post(`${url}/simulator/devices/demo-pixel-8-owner/unlock`, { passcode: "1" })).status).toBe(
      404,
    );
  });
});
