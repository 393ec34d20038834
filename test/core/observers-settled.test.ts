// Shutting down waits for the chat work events set off (thread updates), within a bound.
import { describe, expect, it } from "vitest";
import { announce, settled } from "../../src/core/engine.ts";
import type { ResetRequest } from "../../src/core/types.ts";
import { sqliteTarget } from "../support/databases.ts";
import { useTestEngine } from "../support/test-engine.ts";

const request = { id: "rq_1" } as ResetRequest;
const event = { type: "requested", actor: "ada@example.com", detail: "" };

describe("observer work at shutdown", () => {
  const t = useTestEngine(sqliteTarget);

  it("settles at once when nothing runs, and waits for slow observers and what they start", async () => {
    const { engine } = t();
    expect(await settled(engine, 1000)).toBe(true);
    const finished: string[] = [];
    engine.observers.push({
      onEvent: async (r, e) => {
        await new Promise((ok) => setTimeout(ok, 80));
        finished.push(e.type);
        // An observer may announce again (a follow-up event): that work is waited for too.
        if (e.type === "requested") announce(engine, r, { ...e, type: "pushed" });
      },
    });
    announce(engine, request, event as never);
    expect(finished).toEqual([]);
    expect(await settled(engine, 5000)).toBe(true);
    expect(finished).toEqual(["requested", "pushed"]);
  });

  it("gives up after its bound, and an observer's failure neither rejects nor blocks it", async () => {
    const { engine, logs } = t();
    engine.observers.push({ onEvent: () => new Promise(() => {}) });
    engine.observers.push({ onEvent: async () => Promise.reject(new Error("chat down")) });
    announce(engine, request, event as never);
    const began = Date.now();
    expect(await settled(engine, 150)).toBe(false);
    expect(Date.now() - began).toBeGreaterThanOrEqual(140);
    expect(logs.join("")).toContain("timeline observer failed");
  });
});
