// Property: whatever happens (random starts, push results, device reports, cancels, clock moves
// and sweeps, in any order), every request ends in exactly one final state with one final event,
// no device ever has two active requests, and no passcode shows up in a timeline, the audit log
// or the logs. SQLite only, to stay fast; the rules themselves are tested on both databases.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerPushToken } from "../../src/core/enrollment.ts";
import type { PasscodeLetter, PasscodeSender, PushResult } from "../../src/core/ports.ts";
import { cancelReset } from "../../src/core/reset/cancel-reset.ts";
import { completeSettled, deliverPending } from "../../src/core/reset/deliver.ts";
import {
  type DeviceCommand,
  fetchPendingCommand,
  reportDeviceStep,
} from "../../src/core/reset/device-commands.ts";
import { expireDue } from "../../src/core/reset/expire.ts";
import { purgeDelivered } from "../../src/core/reset/purge.ts";
import { pushDue } from "../../src/core/reset/push-command.ts";
import { reportLostDevice, startReset } from "../../src/core/reset/start-reset.ts";
import { sweepAll } from "../../src/core/reset/sweep.ts";
import { ACTIVE_STATES, FINAL_STATES, isFinal } from "../../src/core/types.ts";
import { sqliteTarget } from "../support/databases.ts";
import { deviceInput, people, type TestEngine, testEngine } from "../support/test-engine.ts";

const AFTER_THE_END = [
  "passcode_purged",
  "delivery_retry",
  "delivered",
  "delivery_failed",
  "redacted",
  "redaction_failed",
  "late_report",
];
const HOUR = 3_600_000;
const PUSH_KINDS = ["ok", "transient", "unregistered", "invalid", "no_registration"] as const;
const STEPS = ["received", "passcode_reset", "locked", "failed"] as const;
const SWEEPS = ["expire", "push", "deliver", "complete", "purge", "all"] as const;

type Op =
  | { op: "start"; dev: number; how: "reset" | "report_lost"; key: number | null }
  | { op: "pushNext"; kind: (typeof PUSH_KINDS)[number] }
  | { op: "fetch"; dev: number }
  | { op: "agent"; dev: number; steps: number; fail: boolean }
  | { op: "report"; dev: number; step: (typeof STEPS)[number]; leak: boolean; wrongDevice: boolean }
  | { op: "cancel"; dev: number }
  | { op: "sendFails"; leak: boolean }
  | { op: "register"; dev: number }
  | { op: "tick"; ms: number; sweep: (typeof SWEEPS)[number]; twice: boolean };

const dev = fc.integer({ min: 0, max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("start" as const),
      dev,
      how: fc.constantFrom("reset" as const, "report_lost" as const),
      key: fc.option(fc.integer({ min: 0, max: 2 })),
    }),
    weight: 3,
  },
  fc.record({ op: fc.constant("pushNext" as const), kind: fc.constantFrom(...PUSH_KINDS) }),
  fc.record({ op: fc.constant("fetch" as const), dev }),
  // A well-behaved device agent: picks the command up and reports its steps in order.
  {
    arbitrary: fc.record({
      op: fc.constant("agent" as const),
      dev,
      steps: fc.integer({ min: 0, max: 2 }),
      fail: fc.boolean(),
    }),
    weight: 3,
  },
  fc.record({
    op: fc.constant("report" as const),
    dev,
    step: fc.constantFrom(...STEPS),
    leak: fc.boolean(),
    wrongDevice: fc.boolean(),
  }),
  fc.record({ op: fc.constant("cancel" as const), dev }),
  fc.record({ op: fc.constant("sendFails" as const), leak: fc.boolean() }),
  fc.record({ op: fc.constant("register" as const), dev }),
  fc.record({
    op: fc.constant("tick" as const),
    ms: fc.constantFrom(0, 1_000, 30_000, 600_000, HOUR, 12 * HOUR, 25 * HOUR),
    sweep: fc.constantFrom(...SWEEPS),
    twice: fc.boolean(),
  }),
);

/** A mail relay that fails on demand, sometimes quoting the letter (and so its passcode) in its error. */
class FlakySender implements PasscodeSender {
  readonly channel = "email" as const;
  failures: ("echo" | "plain")[] = [];
  async reaches() {
    return true;
  }
  async send(letter: PasscodeLetter) {
    const failure = this.failures.shift();
    if (failure === "echo") throw new Error(`550 rejected: "Your new passcode is ${letter.passcode}"`);
    if (failure === "plain") throw new Error("421 try again later");
    return undefined;
  }
}

describe("every request ends (property, sqlite)", () => {
  let t: TestEngine;
  let drop: () => Promise<void>;
  let runNo = 0;
  const sender = new FlakySender();
  beforeAll(async () => {
    const db = await sqliteTarget.fresh();
    drop = db.drop;
    t = await testEngine(db.url);
    await t.engine.stores.directory.upsertInventory(people, []);
    t.engine.senders = [sender];
  });
  afterAll(async () => {
    await t.close();
    await drop();
  });

  const sweeps: Record<(typeof SWEEPS)[number], () => Promise<unknown>> = {
    expire: () => expireDue(t.engine),
    push: () => pushDue(t.engine),
    deliver: () => deliverPending(t.engine),
    complete: () => completeSettled(t.engine),
    purge: () => purgeDelivered(t.engine),
    all: () => sweepAll(t.engine),
  };

  async function runScenario(ops: Op[]): Promise<void> {
    const { engine, clock } = t;
    const { requests, directory } = engine.stores;
    const run = ++runNo;
    // Device 0 can be reset (10-digit passcodes); device 1, an iPhone, is refused a reset but can be locked.
    const ids = [`r${run}-pixel`, `r${run}-iphone`] as const;
    await directory.upsertInventory(
      [],
      [
        deviceInput({
          id: ids[0],
          passcodePolicy: { enforced: true, type: "numeric", minLength: 10, complexity: "low" },
        }),
        deviceInput({
          id: ids[1],
          name: "Alice's iPhone",
          platform: "ios",
          osVersion: "17.4",
          managementMode: "mdm",
        }),
      ],
    );
    t.push.next = [];
    sender.failures = [];
    const logStart = t.logs.length;
    const passcodes: string[] = [];
    const idOf = (i: number) => ids[i] ?? ids[0];
    const device = async (i: number) => {
      const d = await directory.device(idOf(i));
      if (!d) throw new Error("device missing");
      return d;
    };
    const latest = async (i: number) => (await requests.list({ limit: 1, deviceId: idOf(i) }))[0];
    const passcodeOf = async (requestId: string) => {
      const cipher = await requests.passcodeCipher(requestId);
      return cipher ? engine.secrets.open(cipher) : null;
    };
    const checkOneActive = async () => {
      for (const id of ids) {
        const active = await requests.list({ limit: 10, deviceId: id, states: [...ACTIVE_STATES] });
        expect(active.length, `active requests on ${id}`).toBeLessThanOrEqual(1);
      }
    };

    for (const op of ops) {
      switch (op.op) {
        case "start": {
          const base = { deviceId: idOf(op.dev), surface: "cli" as const };
          const key = op.key === null ? {} : { idempotencyKey: `${run}-${op.key}` };
          const r =
            op.how === "reset"
              ? await startReset(engine, { ...base, ...key, actorEmail: "ada@example.com", notifyUser: true })
              : await reportLostDevice(engine, { ...base, ...key, actorEmail: "alice@example.com" });
          expect(["started", "refused", "busy", "duplicate"]).toContain(r.status);
          if (r.status === "started") {
            const p = await passcodeOf(r.request.id);
            if (p) passcodes.push(p);
          }
          break;
        }
        case "pushNext":
          t.push.next.push(
            op.kind === "ok"
              ? { ok: true }
              : ({ ok: false, kind: op.kind, message: `push said ${op.kind}` } as PushResult),
          );
          break;
        case "fetch": {
          const c: DeviceCommand | null = await fetchPendingCommand(engine, await device(op.dev));
          if (c?.passcode) expect(passcodes).toContain(c.passcode);
          break;
        }
        case "agent": {
          const d = await device(op.dev);
          const c = await fetchPendingCommand(engine, d);
          if (!c) break;
          const steps = c.type === "lock" ? (["locked"] as const) : (["passcode_reset", "locked"] as const);
          for (const step of steps.slice(0, op.steps)) {
            expect(await reportDeviceStep(engine, d, c.requestId, { step })).toMatchObject({ ok: true });
          }
          if (op.fail && op.steps < steps.length) {
            const reason = `could not apply ${c.passcode ?? "the lock"}`;
            expect(await reportDeviceStep(engine, d, c.requestId, { step: "failed", reason })).toMatchObject({
              ok: true,
            });
          }
          break;
        }
        case "report": {
          const target = await latest(op.wrongDevice ? 1 - op.dev : op.dev);
          if (!target) break;
          const p = op.leak ? await passcodeOf(target.id) : null;
          const reason = p ? `keyguard refused ${p}` : "the user held the power button";
          const r = await reportDeviceStep(engine, await device(op.dev), target.id, {
            step: op.step,
            reason,
          });
          if (op.wrongDevice && target.deviceId !== idOf(op.dev))
            expect(r).toMatchObject({ ok: false, status: 404 });
          else expect(r.ok || r.status === 409).toBe(true);
          break;
        }
        case "cancel": {
          const target = await latest(op.dev);
          if (!target) break;
          const r = await cancelReset(engine, {
            actorEmail: "ada@example.com",
            requestId: target.id,
            surface: "cli",
          });
          expect(["cancelled", "too_late"]).toContain(r.status);
          break;
        }
        case "sendFails":
          sender.failures.push(op.leak ? "echo" : "plain");
          break;
        case "register":
          await registerPushToken(engine, idOf(op.dev), `tok-${run}-${clock.now().getTime()}`);
          break;
        case "tick":
          clock.advance(op.ms);
          await Promise.all(op.twice ? [sweeps[op.sweep](), sweeps[op.sweep]()] : [sweeps[op.sweep]()]);
          break;
      }
      await checkOneActive();
    }

    // Let everything run out: past every expiry and retention window, then sweep until settled.
    t.push.next = [];
    clock.advance(engine.settings.requestExpiryMs + engine.settings.passcodeRetentionMs);
    for (let i = 0; i < engine.settings.deliveryMaxAttempts + 4; i++) {
      await sweepAll(engine);
      await checkOneActive();
      clock.advance(HOUR);
    }

    const all = [
      ...(await requests.list({ limit: 200, deviceId: ids[0] })),
      ...(await requests.list({ limit: 200, deviceId: ids[1] })),
    ];
    for (const r of all) {
      const where = `request ${r.id} (${r.kind}, ${r.state})`;
      expect(isFinal(r.state), where).toBe(true);
      expect(r.finishedAt, where).not.toBeNull();
      expect(r.outcome, where).toBeTruthy();
      const deliveries = await engine.stores.deliveries.forRequest(r.id);
      // A passcode is erased once someone received it; one nobody received is kept (its device may hold it).
      const received = deliveries.some((d) => d.status === "sent");
      expect(r.hasPasscode, `${where} holds its passcode: ${r.hasPasscode}`).toBe(
        r.hasPasscode && deliveries.length > 0 && !received,
      );
      const events = await requests.events(r.id);
      const finals = events.filter((e) => (FINAL_STATES as readonly string[]).includes(e.type));
      expect(
        finals.map((e) => e.type),
        where,
      ).toEqual([r.state]);
      const after = events.slice(events.findIndex((e) => e.type === r.state) + 1).map((e) => e.type);
      expect(
        // After a reset the device picked up ends unconfirmed, its passcode is still delivered.
        after.every((type) => AFTER_THE_END.includes(type)),
        `${where}: events after the end: ${after}`,
      ).toBe(true);
      expect(events[0]?.type, where).toBe("requested");
      for (const d of deliveries) {
        expect(d.status, where).not.toBe("pending");
        for (const p of passcodes) expect(d.lastError ?? "").not.toContain(p);
      }
      for (const e of events)
        for (const p of passcodes) expect(e.detail, `${where} ${e.type}`).not.toContain(p);
    }
    const audit = await engine.stores.audit.list({});
    const logs = t.logs.slice(logStart).join("");
    for (const p of passcodes) {
      for (const a of audit) expect(a.detail, `audit ${a.action}`).not.toContain(p);
      expect(logs).not.toContain(p);
    }
  }

  it("ends every request exactly once, one at a time per device, without leaking a passcode", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 25 }), (ops) => runScenario(ops)),
      { numRuns: 30, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
  }, 120_000);

  it("survives a scenario that touches every path once", async () => {
    await runScenario([
      { op: "pushNext", kind: "transient" },
      { op: "start", dev: 0, how: "reset", key: 0 },
      { op: "start", dev: 0, how: "reset", key: 0 },
      { op: "start", dev: 1, how: "reset", key: null },
      { op: "start", dev: 1, how: "report_lost", key: null },
      { op: "tick", ms: 30_000, sweep: "push", twice: true },
      { op: "fetch", dev: 0 },
      { op: "sendFails", leak: true },
      { op: "report", dev: 0, step: "passcode_reset", leak: false, wrongDevice: false },
      { op: "report", dev: 0, step: "locked", leak: false, wrongDevice: false },
      { op: "report", dev: 1, step: "failed", leak: true, wrongDevice: true },
      { op: "cancel", dev: 1 },
      { op: "tick", ms: HOUR, sweep: "all", twice: true },
    ]);
  });
});
