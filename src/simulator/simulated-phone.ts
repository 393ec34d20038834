// What a simulated phone does with a command: the platform rules decide whether the OS lets
// the agent set a passcode (the phone's own state, not the inventory, is what counts: a device
// admin phone that got a passcode from a first reset refuses a second one, as on Android 7+).
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { checkCapability } from "../core/capability.ts";
import type { Device } from "../core/types.ts";

export interface PhoneState {
  deviceId: string;
  secret: string | null;
  passcodeSet: boolean;
  /** scrypt hash of the passcode the phone holds: the simulator never stores it in clear. */
  passcodeHash: string | null;
  locked: boolean;
  lastCommand: string | null;
}

export function newPhone(device: Device): PhoneState {
  return {
    deviceId: device.id,
    secret: null,
    passcodeSet: device.passcodeSet,
    passcodeHash: null,
    locked: false,
    lastCommand: null,
  };
}

/** Null when the OS accepts the command, else the failure text a real agent would report. */
export function refusalFor(
  device: Device,
  phone: PhoneState,
  type: "reset_passcode_and_lock" | "lock",
): string | null {
  const actual: Device = {
    ...device,
    passcodeSet: phone.passcodeSet,
    pendingAction: null,
    lastSeenAt: new Date(),
  };
  const verdict = checkCapability(actual, {
    now: new Date(),
    staleAfterMs: Number.MAX_SAFE_INTEGER,
    expiresAt: new Date(),
    activeRequest: null,
  });
  const v = type === "lock" ? verdict.lock : verdict.reset;
  return v.allowed ? null : `the operating system refused: ${v.reason}`;
}

export function hashPasscode(passcode: string): string {
  const salt = randomBytes(16);
  return `${salt.toString("base64url")}:${scryptSync(passcode, salt, 32).toString("base64url")}`;
}

export function passcodeMatches(hash: string | null, attempt: string): boolean {
  if (!hash) return false;
  const [salt, expected] = hash.split(":");
  if (!salt || !expected) return false;
  const got = scryptSync(attempt, Buffer.from(salt, "base64url"), 32);
  const want = Buffer.from(expected, "base64url");
  return got.length === want.length && timingSafeEqual(got, want);
}
