// Passcode rules and generation (domain.md, "Passcode generation"). Pure: the caller supplies the
// randomness (crypto.randomInt) and the "was this used recently" check.
import type { Device, PasscodeType } from "./types.ts";

export interface PasscodeRules {
  type: PasscodeType;
  length: number;
}

export const MAX_PASSCODE_LENGTH = 16;
const DEFAULT_LENGTH = 8; // Miradore's default: 8 digits.
const PRACTICAL_MIN_LENGTH = 6; // Never below 6 (Android 14+ requires it; we apply it everywhere).
const MAX_TRIES = 1000;

const DIGITS = "0123456789";
// Typed by hand on a phone: no look-alikes (0/o, 1/l/i).
const ALNUM = "abcdefghjkmnpqrstuvwxyz23456789";

export function passcodeRulesFor(
  device: Pick<Device, "platform" | "osVersion" | "passcodePolicy">,
): { ok: true; rules: PasscodeRules } | { ok: false; reason: string } {
  const policy = device.passcodePolicy;
  if (!policy.enforced) return { ok: true, rules: { type: "numeric", length: DEFAULT_LENGTH } };

  const requested = Number.isFinite(policy.minLength) ? Math.ceil(policy.minLength) : 0;
  if (requested > MAX_PASSCODE_LENGTH) {
    return {
      ok: false,
      reason: `The device policy asks for a passcode of at least ${requested} characters, but Latchkey can only set passcodes of up to ${MAX_PASSCODE_LENGTH} characters.`,
    };
  }
  const major = Number.parseInt(/\d+/.exec(device.osVersion)?.[0] ?? "0", 10);
  const platformMin = device.platform === "android" && major >= 14 ? 6 : 4;
  const complexityMin = policy.complexity === "high" ? (policy.type === "numeric" ? 8 : 6) : 0;
  const length = Math.max(PRACTICAL_MIN_LENGTH, platformMin, complexityMin, requested);
  return { ok: true, rules: { type: policy.type, length } };
}

/** True when 4+ consecutive characters are equal or evenly stepped (1234, 4321, 2468, abcd, 4444). */
export function hasForbiddenRun(passcode: string): boolean {
  for (let i = 0; i + 3 < passcode.length; i++) {
    const step = passcode.charCodeAt(i + 1) - passcode.charCodeAt(i);
    if (
      passcode.charCodeAt(i + 2) - passcode.charCodeAt(i + 1) === step &&
      passcode.charCodeAt(i + 3) - passcode.charCodeAt(i + 2) === step
    ) {
      return true;
    }
  }
  return false;
}

export function generatePasscode(
  rules: PasscodeRules,
  randomInt: (maxExclusive: number) => number,
  isRecent: (candidate: string) => boolean,
): string {
  if (!Number.isInteger(rules.length) || rules.length < 4 || rules.length > MAX_PASSCODE_LENGTH) {
    throw new Error(`passcode length must be an integer from 4 to ${MAX_PASSCODE_LENGTH}`);
  }
  const alphabet = rules.type === "numeric" ? DIGITS : ALNUM;
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    let candidate = "";
    for (let i = 0; i < rules.length; i++) {
      const ch = alphabet[randomInt(alphabet.length)];
      if (ch === undefined) throw new Error("random source returned a value out of range");
      candidate += ch;
    }
    if (rules.type === "alphanumeric" && !(/[a-z]/.test(candidate) && /\d/.test(candidate))) continue;
    if (hasForbiddenRun(candidate) || isRecent(candidate)) continue;
    return candidate;
  }
  throw new Error(`could not generate an acceptable passcode after ${MAX_TRIES} attempts`);
}
