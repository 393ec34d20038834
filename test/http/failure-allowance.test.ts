// The failure allowance behind the device API's per-address limit (failure-allowance.ts): calls
// that succeed never spend it however many run at once, a concurrent flood of failures gets
// exactly the allowance, and waiting is bounded in time and in number.
import { describe, expect, it } from "vitest";
import { createFailureAllowance, type Held, type Refusal } from "../../src/http/failure-allowance.ts";

const tick = () => new Promise((ok) => setTimeout(ok, 1));

/** Runs `n` calls at once, each holding a token for a few ms and then failing or not. */
async function calls(
  allowance: ReturnType<typeof createFailureAllowance>,
  n: number,
  failed: (i: number) => boolean,
): Promise<string[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const d = await allowance.hold("10.0.0.1");
      if (!d.ok) return "refused";
      await tick();
      d.settle(failed(i));
      return failed(i) ? "failed" : "passed";
    }),
  );
}

describe("failure allowance", () => {
  it("lets any number of concurrent calls that succeed through, a few at a time", async () => {
    const allowance = createFailureAllowance({ limit: 3, windowMs: 60_000 });
    let running = 0;
    let most = 0;
    const out = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const d = await allowance.hold("10.0.0.1");
        if (!d.ok) return "refused";
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
        d.settle(false);
        return "passed";
      }),
    );
    expect(out).toEqual(Array(200).fill("passed"));
    expect(most).toBe(3);
    // Nothing was spent: three failures still pass as failures.
    expect(await calls(allowance, 3, () => true)).toEqual(["failed", "failed", "failed"]);
  });

  it("gives a concurrent flood of failures exactly the allowance, then refuses the rest", async () => {
    const allowance = createFailureAllowance({ limit: 5, windowMs: 60_000 });
    const out = await calls(allowance, 30, () => true);
    expect(out.filter((o) => o === "failed")).toHaveLength(5);
    expect(out.filter((o) => o === "refused")).toHaveLength(25);
    const refused = (await allowance.hold("10.0.0.1")) as Refusal;
    expect(refused).toMatchObject({ ok: false, firstInWindow: false });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another address has its own allowance.
    expect((await allowance.hold("10.0.0.2")).ok).toBe(true);
  });

  it("mixes: successes hand their token on, failures keep it", async () => {
    const allowance = createFailureAllowance({ limit: 2, windowMs: 60_000 });
    // Every third call fails: 2 failures use the allowance up, and the calls after them that
    // could still be waiting for a token are refused once none is held.
    const out = await calls(allowance, 12, (i) => i % 3 === 2);
    expect(out.filter((o) => o === "failed")).toHaveLength(2);
    expect(out.filter((o) => o === "passed").length).toBeGreaterThanOrEqual(4);
    expect(out.filter((o) => o === "passed").length + out.filter((o) => o === "refused").length).toBe(10);
  });

  it("bounds the wait: a caller waits at most maxWaitMs for a running call, and only so many wait", async () => {
    const allowance = createFailureAllowance(
      { limit: 1, windowMs: 60_000 },
      { maxWaitMs: 50, maxWaiting: 2 },
    );
    const holder = (await allowance.hold("10.0.0.1")) as Held;
    expect(holder.ok).toBe(true);
    const began = performance.now();
    const waiting = [allowance.hold("10.0.0.1"), allowance.hold("10.0.0.1")];
    const third = await allowance.hold("10.0.0.1"); // two already wait: refused at once
    expect(third.ok).toBe(false);
    expect(performance.now() - began).toBeLessThan(40);
    const [a, b] = await Promise.all(waiting);
    expect(a?.ok).toBe(false);
    expect(b?.ok).toBe(false);
    expect(performance.now() - began).toBeGreaterThanOrEqual(45);
    // The holder succeeds: its token comes back for the next caller.
    holder.settle(false);
    expect((await allowance.hold("10.0.0.1")).ok).toBe(true);
  });

  it("spends a token for a failure that held none, and settles a held token once", async () => {
    const allowance = createFailureAllowance({ limit: 2, windowMs: 60_000 });
    expect(allowance.fail("k")).toEqual({ ok: true });
    const held = (await allowance.hold("k")) as Held;
    held.settle(false);
    held.settle(true); // ignored: already settled
    expect(allowance.fail("k")).toEqual({ ok: true });
    expect(allowance.fail("k")).toMatchObject({ ok: false, firstInWindow: true });
  });
});
