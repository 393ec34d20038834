import { randomInt } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  generatePasscode,
  hasForbiddenRun,
  type PasscodeRules,
  passcodeRulesFor,
} from "../../src/core/passcode.ts";
import {
  COMPLEXITIES,
  PASSCODE_TYPES,
  type PasscodePolicy,
  PLATFORMS,
  type Platform,
} from "../../src/core/types.ts";

const policy = (p: Partial<PasscodePolicy> = {}): PasscodePolicy => ({
  enforced: true,
  type: "numeric",
  minLength: 0,
  complexity: "none",
  ...p,
});
const device = (p: Partial<PasscodePolicy> = {}, platform: Platform = "ios", osVersion = "17.4") => ({
  platform,
  osVersion,
  passcodePolicy: policy(p),
});

describe("hasForbiddenRun", () => {
  it.each([
    ["4444", true],
    ["1234", true],
    ["4321", true],
    ["2468", true],
    ["9753", true],
    ["abcd", true],
    ["aceg", true],
    ["13579", true],
    ["80351357", true],
    ["9999x", true],
    ["1357", true],
    ["1358", false],
    ["97531", true],
    ["1212", false],
    ["1123", false],
    ["123", false],
    ["", false],
    ["12354", false],
    ["a2c4", false],
    ["82915047", false],
  ])("%j -> %s", (code, expected) => {
    expect(hasForbiddenRun(code)).toBe(expected);
  });
});

describe("passcodeRulesFor", () => {
  it("defaults to 8 digits when the policy is not enforced", () => {
    expect(passcodeRulesFor(device({ enforced: false, type: "alphanumeric", minLength: 12 }))).toEqual({
      ok: true,
      rules: { type: "numeric", length: 8 },
    });
  });
  it("honours type and minimum length, never below 6", () => {
    expect(passcodeRulesFor(device({ type: "alphanumeric", minLength: 10 }))).toEqual({
      ok: true,
      rules: { type: "alphanumeric", length: 10 },
    });
    expect(passcodeRulesFor(device({ minLength: 4 }))).toEqual({
      ok: true,
      rules: { type: "numeric", length: 6 },
    });
  });
  it("never goes below 6 on Android 14+", () => {
    for (const v of ["14", "14.0.1", "15"]) {
      expect(passcodeRulesFor(device({ minLength: 4 }, "android", v))).toEqual({
        ok: true,
        rules: { type: "numeric", length: 6 },
      });
    }
  });
  it("applies high complexity minimums", () => {
    expect(passcodeRulesFor(device({ complexity: "high", minLength: 4 }))).toEqual({
      ok: true,
      rules: { type: "numeric", length: 8 },
    });
    expect(passcodeRulesFor(device({ complexity: "high", type: "alphanumeric", minLength: 4 }))).toEqual({
      ok: true,
      rules: { type: "alphanumeric", length: 6 },
    });
  });
  it("accepts 16 and refuses policies over 16 characters in plain words", () => {
    expect(passcodeRulesFor(device({ minLength: 16 }))).toEqual({
      ok: true,
      rules: { type: "numeric", length: 16 },
    });
    const r = passcodeRulesFor(device({ minLength: 17 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/17.*16/);
  });
});

describe("generatePasscode", () => {
  const policyArb = fc.record({
    platform: fc.constantFrom(...PLATFORMS),
    osVersion: fc.constantFrom("", "9", "13", "14", "14.1.2", "15", "17.4", "10.0.19045"),
    passcodePolicy: fc.record({
      enforced: fc.boolean(),
      type: fc.constantFrom(...PASSCODE_TYPES),
      minLength: fc.integer({ min: 0, max: 20 }),
      complexity: fc.constantFrom(...COMPLEXITIES),
    }),
  });

  it("produces passcodes that satisfy the rules and avoid recent ones", () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: 5 }), (dev, rejectFirst) => {
        const res = passcodeRulesFor(dev);
        const p = dev.passcodePolicy;
        if (!res.ok) {
          expect(p.enforced && p.minLength > 16).toBe(true);
          return;
        }
        const { rules } = res;
        expect(rules.length).toBeGreaterThanOrEqual(p.enforced ? Math.max(6, p.minLength) : 8);
        expect(rules.length).toBeLessThanOrEqual(16);
        if (p.enforced && p.complexity === "high" && p.type === "numeric")
          expect(rules.length).toBeGreaterThanOrEqual(8);
        const recent = new Set<string>();
        const isRecent = (c: string) => {
          if (recent.size < rejectFirst) recent.add(c);
          return recent.has(c);
        };
        const code = generatePasscode(rules, randomInt, isRecent);
        expect(code).toHaveLength(rules.length);
        expect(recent.has(code)).toBe(false);
        expect(hasForbiddenRun(code)).toBe(false);
        if (rules.type === "numeric") expect(code).toMatch(/^\d+$/);
        else {
          expect(code).toMatch(/^[a-hj-kmnp-z2-9]+$/);
          expect(code).toMatch(/[a-z]/);
          expect(code).toMatch(/\d/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("fails after a bounded number of tries when randomness is stuck at 0", () => {
    for (const type of PASSCODE_TYPES) {
      let calls = 0;
      const stuck = () => {
        calls++;
        return 0;
      };
      expect(() => generatePasscode({ type, length: 8 }, stuck, () => false)).toThrow(/could not generate/);
      expect(calls).toBeGreaterThan(0);
      expect(calls).toBeLessThanOrEqual(1000 * 8);
    }
  });

  it("does not put a candidate in the error message", () => {
    const seen: string[] = [];
    try {
      generatePasscode({ type: "numeric", length: 8 }, randomInt, (c) => {
        seen.push(c);
        return true;
      });
      expect.unreachable();
    } catch (e) {
      const msg = (e as Error).message;
      expect(seen.length).toBeGreaterThan(0);
      for (const c of seen) expect(msg).not.toContain(c);
    }
  });

  it("honours isRecent rejections", () => {
    // First candidate 82915047, then 30617392 from a scripted random source.
    const digits = [..."8291504730617392"].map(Number);
    let i = 0;
    const scripted = () => digits[i++ % digits.length] ?? 0;
    const rules: PasscodeRules = { type: "numeric", length: 8 };
    expect(generatePasscode(rules, scripted, () => false)).toBe("82915047");
    i = 0;
    const asked: string[] = [];
    const code = generatePasscode(rules, scripted, (c) => {
      asked.push(c);
      return c === "82915047";
    });
    expect(code).toBe("30617392");
    expect(asked).toEqual(["82915047", "30617392"]);
  });

  it("rejects invalid lengths", () => {
    expect(() => generatePasscode({ type: "numeric", length: 17 }, randomInt, () => false)).toThrow();
    expect(() => generatePasscode({ type: "numeric", length: 3 }, randomInt, () => false)).toThrow();
  });
});
