// The capability table for Intune devices (issue 17, section 2): one test per table line, plus the
// kiosk, retired, stale, never-synced and no-policy cases (the rows: capability-intune-rows.ts), and
// the wording of every verdict. Pure: no database, no Graph. The dispatch from checkCapability:
// capability-intune-dispatch.test.ts.
import { describe, expect, it } from "vitest";
import { rows } from "./capability-intune-rows.ts";
import { check, ISO } from "./capability-intune-setup.ts";

describe("intuneCapability: the issue 17 table", () => {
  it.each(rows)("$name", (row) => {
    const c = check(row);
    expect(c.deviceId).toBe("0b1c2d3e-aaaa-bbbb-cccc-000000000001");
    expect(c.capable).toBe(row.capable);
    expect(c.reset.allowed).toBe(row.capable);
    expect(c.reason).toBe(c.reset.reason);
    expect(c.reason).toMatch(row.reason);
    expect(c.lock.allowed).toBe(row.lock);
    if (row.lockReason) expect(c.lock.reason).toMatch(row.lockReason);
    expect(c.warnings).toHaveLength(row.warnings.length);
    for (const [i, w] of row.warnings.entries()) expect(c.warnings[i]).toMatch(w);

    expect(c.facts.lockPossible).toBe(row.lock);
    if (row.workProfileOnly !== undefined) expect(c.facts.workProfileOnly).toBe(row.workProfileOnly);
    expect(c.scope === "work_profile" && c.capable).toBe(c.facts.workProfileOnly);
    expect(c.facts.lockReturnsPin).toBe(row.pin ?? false);
    expect(c.facts.deliverToUser).toBe(row.deliverToUser ?? true);
    // The same for every Intune device: Intune chooses the passcode, and nothing it accepted is cancelled.
    expect(c.facts).toMatchObject({
      backend: "intune",
      passcodeChosenBy: "backend",
      canCancel: false,
      steps: "reset_then_lock",
    });
  });

  it("every refused action names what to do instead", () => {
    for (const row of rows) {
      const c = check(row);
      for (const verdict of [c.reset, c.lock].filter((v) => !v.allowed)) {
        expect(verdict.reason, row.name).toMatch(
          /instead|run latchkey sync intune|still lock|Enroll it|Follow it|user resets|Ask the user/i,
        );
      }
    }
  });

  it("no reason or warning shows an ISO timestamp or a Graph enum name", () => {
    const enums =
      /androidEnterprise|androidForWork|userEnrollment|deviceEnrollmentType|deviceType|resetPasscode|remoteLock|macMDM/;
    for (const row of rows) {
      const c = check(row);
      for (const text of [c.reason, c.lock.reason, ...c.warnings]) {
        expect(text, row.name).not.toMatch(ISO);
        expect(text, row.name).not.toMatch(enums);
      }
    }
  });
});
