// checkCapability dispatches on the device's back-end: an Intune device is decided by the Intune
// table (issue 17, section 2), not the agent's rules, and a request in progress or a retired device
// refuses it as well. Pure: no database, no Graph. The table itself: capability-intune.test.ts.
import { describe, expect, it } from "vitest";
import { checkCapability, withPasscodeRules } from "../../src/core/capability.ts";
import type { Device } from "../../src/core/types.ts";
import { DAY, EXPIRES, NO_LOCK, NOW, WORK_PROFILE } from "./capability-intune-setup.ts";

describe("checkCapability dispatches on the device's back-end", () => {
  const base: Device = {
    id: "0b1c2d3e-aaaa-bbbb-cccc-000000000002",
    ownerEmail: "ann@example.com",
    name: "Ann's work phone",
    platform: "android",
    osVersion: "14",
    managementMode: "mdm",
    passcodeSet: true,
    // A policy Latchkey's own generator could not meet: irrelevant when Intune generates the passcode.
    passcodePolicy: { enforced: true, type: "alphanumeric", minLength: 20, complexity: "high" },
    resetTokenActive: false,
    lastSeenAt: null,
    pendingAction: null,
    pushToken: null,
    pushUnreachableAt: null,
    enrolled: false,
    backend: "intune",
    mdm: {
      enrollmentType: "userEnrollment",
      deviceType: "androidForWork",
      ownership: "personal",
      lastSyncAt: new Date(NOW.getTime() - 60_000),
    },
    retiredAt: null,
  };
  const ctx = { now: NOW, staleAfterMs: 7 * DAY, expiresAt: EXPIRES, activeRequest: null };

  it("an Intune device is decided by the Intune table, not the agent's rules", () => {
    // The agent's rules refuse this record (an Android device in mdm mode has no agent to act).
    const agent = withPasscodeRules(checkCapability({ ...base, backend: "agent", mdm: null }, ctx), base);
    expect(agent.capable).toBe(false);
    const intune = withPasscodeRules(checkCapability(base, ctx), base);
    expect(intune.capable).toBe(true);
    expect(intune.lock.allowed).toBe(false);
    expect(intune.scope).toBe("work_profile");
    expect(intune.warnings).toEqual([expect.stringMatching(WORK_PROFILE), expect.stringMatching(NO_LOCK)]);
    expect(intune).toMatchObject({ facts: { passcodeChosenBy: "backend", canCancel: false } });
  });

  it("a request in progress and a retired device refuse an Intune device as well", () => {
    const busy = checkCapability(base, { ...ctx, activeRequest: { id: "rq_1", state: "passcode_reset" } });
    expect(busy.reason).toMatch(/already in progress.*rq_1/);
    const gone = checkCapability({ ...base, retiredAt: new Date(NOW.getTime() - DAY) }, ctx);
    expect([gone.capable, gone.lock.allowed, gone.reason]).toEqual([
      false,
      false,
      expect.stringMatching(/no longer in Intune/),
    ]);
  });
});
