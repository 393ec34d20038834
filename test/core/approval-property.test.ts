// Property of the two-person rule (REQUIRE_APPROVAL): whatever happens (starts, approvals and
// rejections by anyone, racing decisions, cancels, device agents, clock moves and sweeps, in any
// order), every request ends in exactly one final state with one final event; nothing of someone
// else's device is checked, generated or pushed before an approval by an admin other than the
// requester; a request is approved at most once; rejected and unapproved-expired requests never
// reached the device. SQLite only, to stay fast; the rules are tested on both databases in
// approval.test.ts.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveReset, rejectReset } from "../../src/core/reset/approve-reset.ts";
import { cancelReset } from "../../src/core/reset/cancel-reset.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { expireDue } from "../../src/core/reset/expire.ts";
import { reportLostDevice, startReset } from "../../src/core/reset/start-reset.ts";
import { sweepAll } from "../../src/core/reset/sweep.ts";
import { ACTIVE_STATES, FINAL_STATES, isFinal } from "../../src/core/types.ts";
import { sqliteTarget } from "../support/databases.ts";
import { deviceInput, people, type TestEngine, testEngine } from "../support/test-engine.ts";

const MIN = 60_000;
const ACTORS = ["ada@example.com", "sam@example.com", "alice@example.com", "root@example.com"] as const;
const ADMINS = new Set(["ada@example.com", "sam@example.com", "root@example.com"]);

type Op =
  | { op: "start"; how: "admin" | "lost"; by: 0 | 1 }
  | { op: "decide"; verb: "approve" | "reject"; actor: number }
  | { op: "race" }
  | { op: "cancel" }
  | { op: "agent"; steps: number }
  | { op: "tick"; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("start" as const),
      how: fc.constantFrom("admin" as const, "lost" as const),
      by: fc.constantFrom(0 as const, 1 as const),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("decide" as const),
      verb: fc.constantFrom("approve" as const, "reject" as const),
      actor: fc.integer({ min: 0, max: ACTORS.length - 1 }),
    }),
    weight: 4,
  },
  fc.record({ op: fc.constant("race" as const) }),
  fc.record({ op: fc.constant("cancel" as const) }),
  {
    arbitrary: fc.record({ op: fc.constant("agent" as const), steps: fc.integer({ min: 0, max: 2 }) }),
    weight: 2,
  },
  fc.record({
    op: fc.constant("tick" as const),
    ms: fc.constantFrom(0, 10 * MIN, 29 * MIN, 31 * MIN, 25 * 60 * MIN),
  }),
);

describe("the two-person rule (property, sqlite)", () => {
  let t: TestEngine;
  let drop: () => Promise<void>;
  let runNo = 0;
  beforeAll(async () => {
    const db = await sqliteTarget.fresh();
    drop = db.drop;
    t = await testEngine(db.url, { requireApproval: true, approvalTtlMs: 30 * MIN });
    await t.engine.stores.directory.upsertInventory(
      [...people, { email: "sam@example.com", name: "Sam Second", role: "admin" }],
      [],
    );
  });
  afterAll(async () => {
    await t.close();
    await drop();
  });

  async function runScenario(ops: Op[]): Promise<void> {
    const { engine, clock } = t;
    const { requests, directory } = engine.stores;
    const deviceId = `a${++runNo}-pixel`;
    await directory.upsertInventory([], [deviceInput({ id: deviceId })]);
    const pushesBefore = t.push.sent.length;
    const latest = async () => (await requests.list({ limit: 1, deviceId }))[0];

    for (const op of ops) {
      const current = await latest();
      switch (op.op) {
        case "start": {
          const by = op.by === 0 ? "ada@example.com" : "sam@example.com";
          const r =
            op.how === "admin"
              ? await startReset(engine, { actorEmail: by, deviceId, notifyUser: false, surface: "slack" })
              : await reportLostDevice(engine, {
                  actorEmail: "alice@example.com",
                  deviceId,
                  surface: "slack",
                });
          expect(["started", "busy"]).toContain(r.status);
          if (r.status === "started")
            expect(r.request.state).toBe(op.how === "admin" ? "awaiting_approval" : "pushed");
          break;
        }
        case "decide": {
          if (!current) break;
          const actorEmail = ACTORS[op.actor] ?? "ada@example.com";
          const input = { actorEmail, requestId: current.id, surface: "teams" as const };
          const r =
            op.verb === "approve" ? await approveReset(engine, input) : await rejectReset(engine, input);
          const expected = !ADMINS.has(actorEmail)
            ? "not_allowed"
            : actorEmail === current.requestedBy
              ? "own_request"
              : current.state !== "awaiting_approval" || current.expiresAt <= clock.now()
                ? "not_waiting"
                : op.verb === "approve"
                  ? "approved"
                  : "rejected";
          expect(r.status).toBe(expected);
          break;
        }
        case "race": {
          if (!current) break;
          const results = await Promise.all([
            approveReset(engine, { actorEmail: "root@example.com", requestId: current.id, surface: "cli" }),
            rejectReset(engine, { actorEmail: "sam@example.com", requestId: current.id, surface: "slack" }),
            approveReset(engine, { actorEmail: "sam@example.com", requestId: current.id, surface: "slack" }),
            expireDue(engine),
          ]);
          const decided = results.filter(
            (r) => typeof r === "object" && (r.status === "approved" || r.status === "rejected"),
          );
          expect(decided.length).toBeLessThanOrEqual(1);
          break;
        }
        case "cancel":
          if (current)
            await cancelReset(engine, {
              actorEmail: "ada@example.com",
              requestId: current.id,
              surface: "cli",
            });
          break;
        case "agent": {
          const d = await directory.device(deviceId);
          if (!d) throw new Error("device missing");
          const c = await fetchPendingCommand(engine, d);
          if (!c) break;
          for (const step of (["passcode_reset", "locked"] as const).slice(0, op.steps)) {
            expect((await reportDeviceStep(engine, d, c.requestId, { step })).ok).toBe(true);
          }
          break;
        }
        case "tick":
          clock.advance(op.ms);
          await sweepAll(engine);
          break;
      }
      const active = await requests.list({ limit: 10, deviceId, states: [...ACTIVE_STATES] });
      expect(active.length).toBeLessThanOrEqual(1);
    }

    clock.advance(engine.settings.requestExpiryMs + engine.settings.passcodeRetentionMs);
    for (let i = 0; i < engine.settings.deliveryMaxAttempts + 4; i++) {
      await sweepAll(engine);
      clock.advance(60 * MIN);
    }

    const pushed = new Set(t.push.sent.slice(pushesBefore).map((p) => p.message.requestId));
    for (const r of await requests.list({ limit: 200, deviceId })) {
      const where = `request ${r.id} (${r.requestedBy}, ${r.state})`;
      expect(isFinal(r.state), where).toBe(true);
      expect(r.outcome, where).toBeTruthy();
      const events = await requests.events(r.id);
      const types = events.map((e) => e.type);
      expect(
        types.filter((e) => (FINAL_STATES as readonly string[]).includes(e)),
        where,
      ).toEqual([r.state]);
      const approvals = events.filter((e) => e.type === "approved");
      expect(approvals.length, where).toBeLessThanOrEqual(1);
      if (r.requestedBy === "alice@example.com") {
        expect(types[1], where).toBe("checked");
        continue;
      }
      // Someone else's device: it waited, and only an approval by another admin let it go on.
      expect(types[1], where).toBe("approval_requested");
      const approval = approvals[0];
      if (approval) {
        expect(approval.actor, where).not.toBe(r.requestedBy);
        expect(ADMINS.has(approval.actor), where).toBe(true);
        expect(types.indexOf("approved"), where).toBe(2);
      } else {
        expect(types, where).not.toContain("checked");
        expect(types, where).not.toContain("passcode_generated");
        expect(pushed.has(r.id), where).toBe(false);
        expect(["rejected", "expired", "cancelled"], where).toContain(r.state);
      }
    }
  }

  it("every request ends once; nothing reaches someone else's device without a second admin", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 20 }), (ops) => runScenario(ops)),
      { numRuns: 25, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
  }, 120_000);
});
