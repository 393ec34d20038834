// The one gate for state changes (core/request-gate.ts, core/delivery-gate.ts), walked over the
// whole lifecycle table: for each back-end, kind, state and target, a move the table allows is
// written with its event and told to observers; one it does not allow is a typed error that writes
// nothing. Each database.
import { describe, expect, it } from "vitest";
import { canMoveDelivery, IllegalDeliveryMove, moveDelivery } from "../../src/core/delivery-gate.ts";
import { canMove, nextStates } from "../../src/core/lifecycle.ts";
import type { NewEvent } from "../../src/core/ports.ts";
import { createRequest, entryStates, IllegalMove, moveRequest } from "../../src/core/request-gate.ts";
import {
  ACTIVE_STATES,
  type DeviceBackend,
  FINAL_STATES,
  type RequestKind,
  type RequestState,
} from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();
const STATES: RequestState[] = [...ACTIVE_STATES, ...FINAL_STATES];
const BACKENDS: DeviceBackend[] = ["agent", "intune"];
const KINDS: RequestKind[] = ["reset_and_lock", "lock"];
const CASES = BACKENDS.flatMap((backend) =>
  KINDS.flatMap((kind) => ACTIVE_STATES.map((from) => ({ backend, kind, from: from as RequestState }))),
);

describe.each(targets)("the state-change gate on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(
        people,
        CASES.flatMap((_, c) => STATES.map((_s, i) => deviceInput({ id: `dev-${c}-${i}` }))),
      ),
  });

  it("applies every move the lifecycle table allows and refuses every other, writing nothing", async () => {
    const { engine } = t();
    const told: string[] = [];
    engine.observers.push({ onEvent: (r, e) => void told.push(`${r.id}:${e.type}`) });
    let legal = 0;
    let illegal = 0;
    for (const [c, { backend, kind, from }] of CASES.entries()) {
      for (const [i, to] of STATES.entries()) {
        const id = `rq-${c}-${i}`;
        // Put the request in `from` directly through the store: the gate itself never would for most.
        const created = await engine.stores.requests.create(
          {
            id,
            kind,
            deviceId: `dev-${c}-${i}`,
            requestedBy: "ada@example.com",
            surface: "cli",
            notifyUser: false,
            state: from,
            expiresAt: new Date("2030-01-01T00:00:00Z"),
            nextPushAt: null,
            passcodeCipher: null,
            idempotencyKeyHash: null,
            outcome: null,
            finishedAt: null,
          },
          [{ type: "requested", actor: "ada@example.com", detail: "walk" }],
          {},
        );
        expect(created.created).toBe(true);
        const event: NewEvent = { type: to, actor: "test", detail: `${from} -> ${to}` };
        const request = { id, kind, deviceId: `dev-${c}-${i}` };
        const where = `${backend} ${kind}: ${from} -> ${to}`;
        if (canMove(kind, from, to, backend)) {
          const moved = await moveRequest(engine, request, { from: [from], to, event }, backend);
          expect(moved?.state, where).toBe(to);
          expect(told, where).toContain(`${id}:${to}`);
          legal++;
        } else {
          await expect(
            moveRequest(engine, request, { from: [from], to, event }, backend),
            where,
          ).rejects.toThrow(IllegalMove);
          expect((await engine.stores.requests.get(id))?.state, where).toBe(from);
          expect(
            (await engine.stores.requests.events(id)).map((e) => e.type),
            where,
          ).toEqual(["requested"]);
          illegal++;
        }
      }
    }
    // The table is neither empty nor everything: both branches ran many times.
    expect(legal).toBe(
      CASES.reduce((n, { backend, kind, from }) => n + nextStates(kind, from, backend).length, 0),
    );
    expect(illegal).toBeGreaterThan(legal);
  });

  it("creates a request only in an entry state", async () => {
    const { engine } = t();
    const base = {
      kind: "reset_and_lock" as const,
      requestedBy: "ada@example.com",
      surface: "cli" as const,
      notifyUser: false,
      expiresAt: new Date("2030-01-01T00:00:00Z"),
      nextPushAt: null,
      passcodeCipher: null,
      idempotencyKeyHash: null,
      outcome: null,
      finishedAt: null,
    };
    const requested: NewEvent[] = [{ type: "requested", actor: "ada@example.com", detail: "entry" }];
    for (const backend of BACKENDS) {
      for (const [i, state] of STATES.entries()) {
        const deviceId = `dev-${backend === "agent" ? 0 : 1}-${i}`;
        const request = { ...base, id: `rq-entry-${backend}-${i}`, deviceId, state };
        if (entryStates("reset_and_lock", backend).includes(state)) {
          expect((await createRequest(engine, request, requested, {}, backend)).created).toBe(true);
        } else {
          await expect(createRequest(engine, request, requested, {}, backend)).rejects.toThrow(IllegalMove);
          expect(await engine.stores.requests.get(request.id)).toBeNull();
        }
      }
    }
    // An agent's reset starts with the passcode Latchkey generated; Intune's with the check only.
    expect(entryStates("reset_and_lock", "agent")).toContain("passcode_generated");
    expect(entryStates("reset_and_lock", "intune")).not.toContain("passcode_generated");
  });

  it("refuses a delivery move its lifecycle does not allow, before writing", async () => {
    const { engine } = t();
    const event: NewEvent = { type: "delivery_retry", actor: "test", detail: "walk" };
    const audit = {
      actor: "t",
      surface: "cli" as const,
      action: "passcode.delivery" as const,
      outcome: "ok" as const,
      detail: "x",
    };
    expect(canMoveDelivery("pending", "sent")).toBe(true);
    expect(canMoveDelivery("failed", "requeued")).toBe(true);
    expect(canMoveDelivery("sent", "redacted")).toBe(true);
    for (const [from, move] of [
      ["sent", { to: "failed", outcome: { status: "failed", at: new Date() }, audit }],
      ["failed", { to: "sent", outcome: { status: "sent", at: new Date() }, audit }],
      ["pending", { to: "redacted", at: new Date(), audit }],
      ["sent", { to: "requeued", audit }],
      ["failed", { to: "retry", error: "x" }],
    ] as const) {
      // No such delivery exists: reaching the store would throw something else, or write.
      await expect(
        moveDelivery(engine, null, { id: "dl-none", status: from }, move as never, event),
      ).rejects.toThrow(IllegalDeliveryMove);
    }
  });
});
