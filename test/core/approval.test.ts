// The two-person rule (REQUIRE_APPROVAL) through the core, on each real database: a reset of
// someone else's device waits for a second admin; the requester and employees cannot approve;
// approve, reject and expiry each end the wait once, with the timeline and the audit log saying
// who, when and from where. Without the rule nothing changes.
import { describe, expect, it } from "vitest";
import { approveReset, rejectReset } from "../../src/core/reset/approve-reset.ts";
import { cancelReset } from "../../src/core/reset/cancel-reset.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { expireDue } from "../../src/core/reset/expire.ts";
import { reportLostDevice, startReset } from "../../src/core/reset/start-reset.ts";
import { sweepAll } from "../../src/core/reset/sweep.ts";
import type { ResetRequest } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, type TestEngine, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();
const MIN = 60_000;
const staff = [...people, { email: "sam@example.com", name: "Sam Second", role: "admin" as const }];
const inventory = [
  deviceInput(),
  deviceInput({ id: "dev-ada", ownerEmail: "ada@example.com", name: "Ada's Pixel" }),
];

async function requestAsAda(t: TestEngine, deviceId = "dev-001"): Promise<ResetRequest> {
  const r = await startReset(t.engine, {
    actorEmail: "ada@example.com",
    deviceId,
    notifyUser: false,
    surface: "slack",
  });
  if (r.status !== "started") throw new Error(`not started: ${r.status}`);
  return r.request;
}

async function auditOf(t: TestEngine, requestId: string) {
  return (await t.engine.stores.audit.list({})).filter((a) => a.requestId === requestId);
}

async function types(t: TestEngine, requestId: string): Promise<string[]> {
  return (await t.engine.stores.requests.events(requestId)).map((e) => e.type);
}

describe.each(targets)("two-person rule on $name", (target) => {
  const t = useTestEngine(target, {
    settings: { requireApproval: true, approvalTtlMs: 30 * MIN },
    seed: ({ engine }) => engine.stores.directory.upsertInventory(staff, inventory),
  });

  it("waits for a second admin: nothing is checked, generated or pushed; the wait is audited", async () => {
    const now = t().clock.now();
    const request = await requestAsAda(t());
    expect(request.state).toBe("awaiting_approval");
    expect(request.expiresAt.getTime()).toBe(now.getTime() + 30 * MIN);
    expect(request.hasPasscode).toBe(false);
    expect(t().push.sent).toEqual([]);
    expect(await types(t(), request.id)).toEqual(["requested", "approval_requested"]);
    const [, waiting] = await t().engine.stores.requests.events(request.id);
    expect(waiting?.detail).toContain("Waiting for a second admin's approval");
    // The device has no command to fetch, and a second reset is refused as busy.
    const device = await t().engine.stores.directory.device("dev-001");
    expect(device && (await fetchPendingCommand(t().engine, device))).toBeNull();
    const again = await startReset(t().engine, {
      actorEmail: "sam@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    expect(again.status).toBe("busy");
    if (again.status === "busy") expect(again.message).toContain("waiting for a second admin's approval");
    const rows = await auditOf(t(), request.id);
    expect(rows.some((a) => a.action === "reset" && a.detail.includes("awaits a second admin"))).toBe(true);
  });

  it("the requester cannot approve their own request, nor can an employee or a stranger; each try is audited", async () => {
    const request = await requestAsAda(t());
    const own = await approveReset(t().engine, {
      actorEmail: "ADA@example.com",
      requestId: request.id,
      surface: "slack",
    });
    expect(own.status).toBe("own_request");
    if (own.status === "own_request") expect(own.message).toContain("a second admin must approve it");
    const employee = await approveReset(t().engine, {
      actorEmail: "alice@example.com",
      requestId: request.id,
      surface: "teams",
    });
    expect(employee.status).toBe("not_allowed");
    const stranger = await rejectReset(t().engine, {
      actorEmail: "eve@elsewhere.example",
      requestId: request.id,
      surface: "cli",
    });
    expect(stranger.status).toBe("not_allowed");
    const ownReject = await rejectReset(t().engine, {
      actorEmail: "ada@example.com",
      requestId: request.id,
      surface: "slack",
    });
    expect(ownReject.status).toBe("own_request");

    expect((await t().engine.stores.requests.get(request.id))?.state).toBe("awaiting_approval");
    expect(t().push.sent).toEqual([]);
    const refused = (await auditOf(t(), request.id)).filter((a) => a.outcome === "refused");
    expect(refused.map((a) => [a.actor, a.surface, a.action])).toEqual([
      ["ada@example.com", "slack", "approval.approve"],
      ["alice@example.com", "teams", "approval.approve"],
      ["eve@elsewhere.example", "cli", "approval.reject"],
      ["ada@example.com", "slack", "approval.reject"],
    ]);
  });

  it("a second admin approves: checked, passcode generated and pushed in one go, then the reset completes", async () => {
    const request = await requestAsAda(t());
    t().clock.advance(5 * MIN);
    const approvedAt = t().clock.now();
    const r = await approveReset(t().engine, {
      actorEmail: "sam@example.com",
      requestId: request.id,
      surface: "teams",
    });
    expect(r.status).toBe("approved");
    if (r.status !== "approved") return;
    expect(r.request.state).toBe("pushed");
    // The request now has the full request expiry from its approval.
    expect(r.request.expiresAt.getTime()).toBe(approvedAt.getTime() + t().engine.settings.requestExpiryMs);
    expect(t().push.sent.map((p) => p.message.requestId)).toEqual([request.id]);
    expect(await types(t(), request.id)).toEqual([
      "requested",
      "approval_requested",
      "approved",
      "checked",
      "passcode_generated",
      "pushed",
    ]);
    const approved = (await t().engine.stores.requests.events(request.id)).find((e) => e.type === "approved");
    expect(approved?.actor).toBe("sam@example.com");
    expect(approved?.detail).toContain("Approved by Sam Second (sam@example.com) in Teams");
    expect(approved?.at.getTime()).toBe(approvedAt.getTime());
    const ok = (await auditOf(t(), request.id)).find((a) => a.action === "approval.approve");
    expect(ok).toMatchObject({
      actor: "sam@example.com",
      surface: "teams",
      outcome: "ok",
      deviceId: "dev-001",
    });
    expect(await t().engine.stores.requests.recentPasscodeDigests("dev-001", 5)).toHaveLength(1);

    // Deciding again says what happened, and changes nothing.
    const twice = await approveReset(t().engine, {
      actorEmail: "root@example.com",
      requestId: request.id,
      surface: "cli",
    });
    expect(twice.status).toBe("not_waiting");
    const late = await rejectReset(t().engine, {
      actorEmail: "sam@example.com",
      requestId: request.id,
      surface: "cli",
    });
    expect(late.status).toBe("not_waiting");

    const device = await t().engine.stores.directory.device("dev-001");
    if (!device) throw new Error("device missing");
    const command = await fetchPendingCommand(t().engine, device);
    expect(command?.passcode).toMatch(/^\d{6,16}$/);
    for (const step of ["received", "passcode_reset", "locked"] as const) {
      expect((await reportDeviceStep(t().engine, device, request.id, { step })).ok).toBe(true);
    }
    expect((await t().engine.stores.requests.get(request.id))?.state).toBe("completed");
    expect(t().sender.letters.map((l) => [l.recipient.email, l.passcode])).toEqual([
      ["ada@example.com", command?.passcode],
    ]);
  });

  it("a second admin rejects with a reason: the request ends as rejected, nothing reaches the device", async () => {
    const request = await requestAsAda(t());
    const r = await rejectReset(t().engine, {
      actorEmail: "sam@example.com",
      requestId: request.id,
      surface: "slack",
      reason: "  Felix found his phone  ",
    });
    expect(r.status).toBe("rejected");
    if (r.status !== "rejected") return;
    expect(r.request.state).toBe("rejected");
    expect(r.request.outcome).toBe("Rejected by sam@example.com. Reason: Felix found his phone");
    expect(r.request.finishedAt).not.toBeNull();
    const events = await t().engine.stores.requests.events(request.id);
    expect(events.map((e) => e.type)).toEqual(["requested", "approval_requested", "rejected"]);
    expect(events[2]?.detail).toContain(
      "Rejected by Sam Second (sam@example.com) in Slack. Reason: Felix found his phone",
    );
    expect((await auditOf(t(), request.id)).find((a) => a.action === "approval.reject")).toMatchObject({
      actor: "sam@example.com",
      surface: "slack",
      outcome: "ok",
    });
    expect(t().push.sent).toEqual([]);
    await sweepAll(t().engine);
    expect(t().push.sent).toEqual([]);
    // The device is free again.
    expect(await t().engine.stores.requests.activeForDevice("dev-001")).toBeNull();
    expect(
      (
        await approveReset(t().engine, {
          actorEmail: "sam@example.com",
          requestId: request.id,
          surface: "cli",
        })
      ).status,
    ).toBe("not_waiting");
  });

  it("expires after APPROVAL_TTL through the sweep, saying why; no approval is possible after the deadline", async () => {
    const request = await requestAsAda(t());
    t().clock.advance(29 * MIN);
    expect(await expireDue(t().engine)).toBe(0);
    t().clock.advance(MIN);
    // Past the deadline but before the sweep ran: too late already.
    const tooLate = await approveReset(t().engine, {
      actorEmail: "sam@example.com",
      requestId: request.id,
      surface: "slack",
    });
    expect(tooLate.status).toBe("not_waiting");
    if (tooLate.status === "not_waiting") expect(tooLate.message).toContain("too late to approve");
    expect(await expireDue(t().engine)).toBe(1);
    const ended = await t().engine.stores.requests.get(request.id);
    expect(ended?.state).toBe("expired");
    expect(ended?.outcome).toContain("no second admin approved the request in time");
    expect(await types(t(), request.id)).toEqual(["requested", "approval_requested", "expired"]);
    expect((await auditOf(t(), request.id)).find((a) => a.action === "approval.expire")).toMatchObject({
      actor: "latchkey",
      surface: "system",
      outcome: "ok",
    });
    expect(t().push.sent).toEqual([]);
  });

  it("the requester may cancel while it waits", async () => {
    const request = await requestAsAda(t());
    const r = await cancelReset(t().engine, {
      actorEmail: "ada@example.com",
      requestId: request.id,
      surface: "cli",
    });
    expect(r.status).toBe("cancelled");
    expect(await types(t(), request.id)).toEqual(["requested", "approval_requested", "cancelled"]);
  });

  it("approved, but the device changed while it waited: the rules refuse it, in the same write", async () => {
    const request = await requestAsAda(t());
    await t().engine.stores.directory.upsertInventory([], [deviceInput({ pendingAction: "wipe" })]);
    const r = await approveReset(t().engine, {
      actorEmail: "sam@example.com",
      requestId: request.id,
      surface: "cli",
    });
    expect(r.status).toBe("approved");
    if (r.status !== "approved") return;
    expect(r.request.state).toBe("refused");
    expect(await types(t(), request.id)).toEqual(["requested", "approval_requested", "approved", "refused"]);
    expect(t().push.sent).toEqual([]);
  });

  it("two admins approving at once: one approval, one push", async () => {
    const request = await requestAsAda(t());
    const results = await Promise.all(
      ["sam@example.com", "root@example.com"].map((actorEmail) =>
        approveReset(t().engine, { actorEmail, requestId: request.id, surface: "slack" }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(["approved", "not_waiting"]);
    expect(t().push.sent).toHaveLength(1);
    expect((await types(t(), request.id)).filter((e) => e === "approved")).toHaveLength(1);
  });

  it("not gated: an employee's own lost-device report, and an admin acting on their own device", async () => {
    const lost = await reportLostDevice(t().engine, {
      actorEmail: "alice@example.com",
      deviceId: "dev-001",
      surface: "slack",
    });
    expect(lost.status).toBe("started");
    if (lost.status === "started") expect(lost.request.state).toBe("pushed");
    const own = await requestAsAda(t(), "dev-ada");
    expect(own.state).toBe("pushed");
  });

  it("a lost-device report an admin makes for someone else's device waits too", async () => {
    const r = await reportLostDevice(t().engine, {
      actorEmail: "sam@example.com",
      deviceId: "dev-001",
      surface: "cli",
    });
    expect(r.status).toBe("started");
    if (r.status !== "started") return;
    expect(r.request.state).toBe("awaiting_approval");
    const ok = await approveReset(t().engine, {
      actorEmail: "ada@example.com",
      requestId: r.request.id,
      surface: "cli",
    });
    expect(ok.status === "approved" && ok.request.state).toBe("pushed");
  });

  it("a request refused by the rules is refused at once, without asking anyone to approve it", async () => {
    await t().engine.stores.directory.upsertInventory([], [deviceInput({ pendingAction: "retire" })]);
    const r = await startReset(t().engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    expect(r.status).toBe("refused");
  });
});

describe.each(targets)("without the two-person rule on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) => engine.stores.directory.upsertInventory(staff, inventory),
  });

  it("an admin's reset of someone else's device starts at once, as before", async () => {
    expect(t().engine.settings.requireApproval).toBe(false);
    const request = await requestAsAda(t());
    expect(request.state).toBe("pushed");
    expect(await types(t(), request.id)).toEqual(["requested", "checked", "passcode_generated", "pushed"]);
    const r = await approveReset(t().engine, {
      actorEmail: "sam@example.com",
      requestId: request.id,
      surface: "cli",
    });
    expect(r.status).toBe("not_waiting");
  });
});
