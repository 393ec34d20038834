// Who may reset or report a device lost, as an auditor would check it: every decision, allowed
// or refused, leaves an `authorize.*` row naming the actor. On each real database.
import { describe, expect, it } from "vitest";
import { cancelReset } from "../../src/core/reset/cancel-reset.ts";
import { reportLostDevice, type StartResult, startReset } from "../../src/core/reset/start-reset.ts";
import type { AuditEntry } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("authorization on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(people, [
        deviceInput(), // Alice's
        deviceInput({ id: "dev-bob", ownerEmail: "bob@example.com", name: "Bob's Pixel 7" }),
      ]),
  });

  const reset = (actorEmail: string, deviceId = "dev-001") =>
    startReset(t().engine, { actorEmail, deviceId, notifyUser: true, surface: "slack" });
  const reportLost = (actorEmail: string, deviceId = "dev-001") =>
    reportLostDevice(t().engine, { actorEmail, deviceId, surface: "teams" });

  async function authorizeRows(): Promise<AuditEntry[]> {
    return (await t().engine.stores.audit.list({})).filter((a) => a.action.startsWith("authorize."));
  }

  async function expectNotAllowed(r: StartResult, message: RegExp) {
    expect(r.status).toBe("not_allowed");
    expect(r.status === "not_allowed" && r.message).toMatch(message);
    expect(await t().engine.stores.requests.list({ limit: 10 })).toEqual([]);
    expect(t().push.sent).toEqual([]);
  }

  it("refuses an employee resetting someone else's device and records who tried", async () => {
    await expectNotAllowed(await reset("bob@example.com"), /Only IT admins can act on someone else's device/);
    expect(await authorizeRows()).toEqual([
      expect.objectContaining({
        actor: "bob@example.com",
        surface: "slack",
        action: "authorize.reset",
        outcome: "refused",
        deviceId: "dev-001",
        detail: expect.stringContaining("This attempt has been recorded"),
      }),
    ]);
  });

  it("refuses an employee resetting their own device and points them to report it lost", async () => {
    await expectNotAllowed(await reset("alice@example.com"), /report it lost instead/);
    expect(await authorizeRows()).toEqual([
      expect.objectContaining({ actor: "alice@example.com", action: "authorize.reset", outcome: "refused" }),
    ]);
  });

  it("lets an employee report their own device lost", async () => {
    const r = await reportLost("alice@example.com");
    expect(r.status).toBe("started");
    if (r.status !== "started") return;
    expect(r.request.requestedBy).toBe("alice@example.com");
    expect(r.request.surface).toBe("teams");
    expect(r.request.notifyUser).toBe(true);
    expect(t().push.sent).toHaveLength(1);
    expect(await authorizeRows()).toEqual([
      expect.objectContaining({
        actor: "alice@example.com",
        action: "authorize.report_lost",
        outcome: "allowed",
        deviceId: "dev-001",
      }),
    ]);
  });

  it("refuses an employee reporting someone else's device lost", async () => {
    await expectNotAllowed(await reportLost("bob@example.com"), /someone else's device/);
    expect(await authorizeRows()).toEqual([
      expect.objectContaining({
        actor: "bob@example.com",
        action: "authorize.report_lost",
        outcome: "refused",
      }),
    ]);
  });

  it.each([
    { action: "reset", run: reset },
    { action: "report_lost", run: reportLost },
  ])("refuses someone unknown to Latchkey ($action)", async ({ action, run }) => {
    const r = await run("Mallory@Evil.example");
    await expectNotAllowed(r, /not known to Latchkey/);
    expect(await authorizeRows()).toEqual([
      expect.objectContaining({
        actor: "mallory@evil.example",
        action: `authorize.${action}`,
        outcome: "refused",
        deviceId: "dev-001",
      }),
    ]);
  });

  it("lets a configured admin who is not in the people table reset any device", async () => {
    expect(await t().engine.stores.directory.person("root@example.com")).toBeNull();
    const r = await reset("ROOT@example.com ", "dev-bob");
    expect(r.status).toBe("started");
    expect(r.status === "started" && r.request.requestedBy).toBe("root@example.com");
    expect(await authorizeRows()).toEqual([
      expect.objectContaining({
        actor: "root@example.com",
        action: "authorize.reset",
        outcome: "allowed",
        deviceId: "dev-bob",
        detail: "admin may reset",
      }),
    ]);
  });

  it("lets an admin from the people table reset an employee's device", async () => {
    expect((await reset("ada@example.com")).status).toBe("started");
    expect(await authorizeRows()).toEqual([
      expect.objectContaining({ actor: "ada@example.com", action: "authorize.reset", outcome: "allowed" }),
    ]);
  });

  async function reportedByAlice(): Promise<string> {
    const r = await reportLost("alice@example.com");
    if (r.status !== "started") throw new Error(`expected started, got ${r.status}`);
    return r.request.id;
  }
  const cancelAs = (actorEmail: string, requestId: string) =>
    cancelReset(t().engine, { actorEmail, requestId, surface: "teams" });

  it("lets an employee cancel their own lost-device report, and no one else's", async () => {
    const id = await reportedByAlice();
    expect((await cancelAs("bob@example.com", id)).status).toBe("not_allowed");
    expect((await cancelAs("alice@example.com", id)).status).toBe("cancelled");
    const cancels = (await t().engine.stores.audit.list({})).filter((a) => a.action === "request.cancel");
    expect(cancels).toEqual([
      expect.objectContaining({ actor: "alice@example.com", outcome: "ok", requestId: id }),
    ]);
  });

  it("refuses an employee cancelling an admin's reset of their device", async () => {
    const r = await reset("ada@example.com");
    if (r.status !== "started") throw new Error(r.status);
    expect((await cancelAs("alice@example.com", r.request.id)).status).toBe("not_allowed");
    expect((await t().engine.stores.requests.get(r.request.id))?.state).toBe("pushed");
  });

  // The audit row of the decision must agree with what happened (a successful request.cancel).
  it("audits an employee's allowed cancel of their own report as allowed", async () => {
    const id = await reportedByAlice();
    await cancelAs("alice@example.com", id);
    const decision = (await authorizeRows()).find((a) => a.action === "authorize.cancel");
    expect(decision).toMatchObject({ actor: "alice@example.com", outcome: "allowed", requestId: id });
  });

  it("audits every decision, allowed or refused, one row each, in order", async () => {
    const attempts: [string, () => Promise<StartResult>, "allowed" | "refused"][] = [
      ["authorize.reset", () => reset("bob@example.com"), "refused"],
      ["authorize.reset", () => reset("alice@example.com"), "refused"],
      ["authorize.report_lost", () => reportLost("bob@example.com"), "refused"],
      ["authorize.reset", () => reset("nobody@example.com"), "refused"],
      ["authorize.report_lost", () => reportLost("bob@example.com", "dev-bob"), "allowed"],
      ["authorize.reset", () => reset("root@example.com"), "allowed"],
      ["authorize.reset", () => reset("ada@example.com"), "allowed"], // busy after the check
    ];
    for (const [, run] of attempts) await run();
    const rows = await authorizeRows();
    expect(rows.map((r) => [r.action, r.outcome])).toEqual(
      attempts.map(([action, , outcome]) => [action, outcome]),
    );
    for (const row of rows) {
      expect(row.actor).toMatch(/@example\.com$/);
      expect(row.detail.length).toBeGreaterThan(0);
    }
    // Only the two allowed, non-busy attempts created requests.
    expect(await t().engine.stores.requests.list({ limit: 10 })).toHaveLength(2);
  });
});
