// Pacing of Slack calls: one call per interval per key, in order, with urgent callers (a passcode
// going into its DM) ahead of the others; keys do not hold each other up.
import { describe, expect, it } from "vitest";
import { createRateGate } from "../../../src/adapters/slack/rate-gate.ts";

describe("Slack rate gate", () => {
  it("lets one call per interval through per key, in arrival order, each key on its own", async () => {
    const gate = createRateGate(100);
    const went: Array<{ who: string; at: number }> = [];
    const t0 = Date.now();
    const go = (key: string, who: string) =>
      gate.wait(key).then(() => went.push({ who, at: Date.now() - t0 }));
    await Promise.all([
      go("chat.update", "a"),
      go("chat.update", "b"),
      go("chat.update", "c"),
      go("C1", "x"),
    ]);
    const lane = went.filter((w) => w.who !== "x");
    expect(lane.map((w) => w.who)).toEqual(["a", "b", "c"]);
    for (let i = 1; i < lane.length; i++) {
      expect((lane[i]?.at ?? 0) - (lane[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(95);
    }
    // Another key is not paced behind this one.
    expect(went.find((w) => w.who === "x")?.at).toBeLessThan(90);
  });

  it("puts urgent callers ahead of every waiting non-urgent one", async () => {
    const gate = createRateGate(40);
    const order: string[] = [];
    const go = (who: string, urgent = false) => gate.wait("chat.update", urgent).then(() => order.push(who));
    const all = [go("status-1"), go("status-2"), go("status-3"), go("status-4")];
    await new Promise((r) => setTimeout(r, 10)); // status-1 has gone; 2-4 wait
    all.push(go("passcode-1", true), go("passcode-2", true));
    await Promise.all(all);
    expect(order).toEqual(["status-1", "passcode-1", "passcode-2", "status-2", "status-3", "status-4"]);
  });

  it("lets a call straight through once the key has been idle for the interval", async () => {
    const gate = createRateGate(150);
    await gate.wait("k");
    await new Promise((r) => setTimeout(r, 200));
    const before = Date.now();
    await gate.wait("k");
    expect(Date.now() - before).toBeLessThan(100);
    // No interval: no pacing at all.
    const free = createRateGate(0);
    const t = Date.now();
    await Promise.all([free.wait("k"), free.wait("k"), free.wait("k")]);
    expect(Date.now() - t).toBeLessThan(100);
  });
});
