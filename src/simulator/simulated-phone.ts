// What a simulated phone does with a command: the platform rules decide whether the OS lets
// the agent set a passcode (the phone's own state, not the inventory, is what counts: a device
// admin phone that got a passcode from a first reset refuses a second one, as on Android 7+).
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
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

// A simulated phone only needs the passcode not to sit in its state file in clear: scrypt with a
// small cost (N = 2^10, about 2 ms, in libuv's thread pool), not the default 2^14 (about 40 ms of
// the server's own thread per reset when run synchronously). The cost is kept in the hash.
const COST_LOG2 = 10;

const scryptAsync = promisify(scrypt) as (
  p: string,
  s: Buffer,
  len: number,
  o: { N: number },
) => Promise<Buffer>;
/** The default cost (2^14, before the cost was kept) up to 2^15 fit scrypt's default 32 MiB. */
const MAX_COST_LOG2 = 15;

/** `s1:<log2 N>:<salt>:<hash>`. */
export async function hashPasscode(passcode: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(passcode, salt, 32, { N: 2 ** COST_LOG2 });
  return `s1:${COST_LOG2}:${salt.toString("base64url")}:${key.toString("base64url")}`;
}

export async function passcodeMatches(hash: string | null, attempt: string): Promise<boolean> {
  if (!hash) return false;
  const parts = hash.split(":");
  // Before s1 the hash was `<salt>:<hash>` with scrypt's default cost (2^14).
  const [logN, salt, expected] =
    parts.length === 2
      ? [14, parts[0], parts[1]]
      : parts.length === 4 && parts[0] === "s1"
        ? [Number(parts[1]), parts[2], parts[3]]
        : [0, undefined, undefined];
  if (!salt || !expected || !Number.isInteger(logN) || logN < 1 || logN > MAX_COST_LOG2) return false;
  const got = await scryptAsync(attempt, Buffer.from(salt, "base64url"), 32, { N: 2 ** logN });
  const want = Buffer.from(expected, "base64url");
  return got.length === want.length && timingSafeEqual(got, want);
}
