// Enrolling a device agent: an operator's one-time code swapped for a device secret. Each of the
// two writes carries its audit row in the same transaction, so the log an auditor reads can never
// miss a code that was issued or a secret a device holds: checked by making the audit table refuse
// inserts (test/support/audit-down.ts) and seeing that nothing else was written either. Each database.
import { describe, expect, it } from "vitest";
import { enrollDevice, issueEnrollmentCode } from "../../src/core/enrollment.ts";
import { sha256 } from "../../src/core/secrets.ts";
import { auditAcceptsInsertsAgain, auditRefusesInserts } from "../support/audit-down.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

describe.each(targets)("enrollment on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, [deviceInput()]),
  });
  const audits = async () =>
    (await t().engine.stores.audit.list({})).filter((a) => a.action.startsWith("device.enroll"));

  it("issues a code and swaps it once for a secret, each step audited; a spent or wrong code is refused and audited", async () => {
    const { engine } = t();
    const issued = await issueEnrollmentCode(engine, "dev-001");
    if (!issued.ok) throw new Error(issued.message);
    const enrolled = await enrollDevice(engine, { deviceId: "dev-001", code: issued.code });
    if (!enrolled.ok) throw new Error(enrolled.message);
    expect((await engine.stores.directory.deviceBySecretHash(sha256(enrolled.deviceSecret)))?.id).toBe(
      "dev-001",
    );

    const again = await enrollDevice(engine, { deviceId: "dev-001", code: issued.code });
    expect(again).toEqual({ ok: false, message: "Unknown device or invalid/expired enrollment code." });
    // The spent code changed nothing: the first secret still names the device.
    expect((await engine.stores.directory.deviceBySecretHash(sha256(enrolled.deviceSecret)))?.id).toBe(
      "dev-001",
    );
    expect((await audits()).map((a) => [a.action, a.outcome, a.deviceId])).toEqual([
      ["device.enrollment_code", "ok", "dev-001"],
      ["device.enroll", "ok", "dev-001"],
      ["device.enroll", "refused", "dev-001"],
    ]);
    expect(JSON.stringify(await audits())).not.toContain(issued.code);
    expect(JSON.stringify(await audits())).not.toContain(enrolled.deviceSecret);
  });

  it("refuses an expired code", async () => {
    const { engine, clock } = t();
    const issued = await issueEnrollmentCode(engine, "dev-001");
    if (!issued.ok) throw new Error(issued.message);
    clock.advance(engine.settings.enrollmentCodeTtlMs + 1);
    expect((await enrollDevice(engine, { deviceId: "dev-001", code: issued.code })).ok).toBe(false);
    expect((await audits()).at(-1)).toMatchObject({ action: "device.enroll", outcome: "refused" });
  });

  it("issues no code for a device not in the inventory, and audits nothing", async () => {
    const r = await issueEnrollmentCode(t().engine, "dev-nope");
    expect(r).toEqual({ ok: false, message: 'No device with id "dev-nope" is in the inventory.' });
    expect(await audits()).toEqual([]);
  });

  it("when the audit row cannot be written, the enrollment is not written either", async () => {
    const { engine } = t();
    const issued = await issueEnrollmentCode(engine, "dev-001");
    if (!issued.ok) throw new Error(issued.message);
    await auditRefusesInserts(t(), target.name);
    await expect(enrollDevice(engine, { deviceId: "dev-001", code: issued.code })).rejects.toThrow(
      /audit log unavailable/,
    );
    // No secret was stored, and the code is not spent: the agent can try again once the log is back.
    const device = await engine.stores.directory.device("dev-001");
    expect(device?.enrolled ?? false).toBe(false);
    await auditAcceptsInsertsAgain(t(), target.name);
    const enrolled = await enrollDevice(engine, { deviceId: "dev-001", code: issued.code });
    expect(enrolled.ok).toBe(true);
    expect((await audits()).map((a) => [a.action, a.outcome])).toEqual([
      ["device.enrollment_code", "ok"],
      ["device.enroll", "ok"],
    ]);
  });

  it("when the audit row cannot be written, no new code is issued either", async () => {
    const { engine } = t();
    const first = await issueEnrollmentCode(engine, "dev-001");
    if (!first.ok) throw new Error(first.message);
    await auditRefusesInserts(t(), target.name);
    await expect(issueEnrollmentCode(engine, "dev-001")).rejects.toThrow(/audit log unavailable/);
    await auditAcceptsInsertsAgain(t(), target.name);
    // The code issued before is still the one that works.
    expect((await enrollDevice(engine, { deviceId: "dev-001", code: first.code })).ok).toBe(true);
  });
});
