// Device agent identity: a one-time enrollment code (issued by an operator) is exchanged for a
// device secret. Both are stored only as SHA-256 digests; the secret is shown once.

import { at, type Engine, errorText } from "./engine.ts";
import { callerText } from "./free-text.ts";
import { sha256 } from "./secrets.ts";
import type { Device } from "./types.ts";

export async function issueEnrollmentCode(
  engine: Engine,
  deviceId: string,
): Promise<{ ok: true; code: string; expiresAt: Date } | { ok: false; message: string }> {
  const code = engine.random.secret(18);
  const expiresAt = new Date(engine.clock.now().getTime() + engine.settings.enrollmentCodeTtlMs);
  // The write names the device: one that is not in the inventory stores nothing and audits nothing.
  const stored = await engine.stores.directory.setEnrollmentCode(deviceId, sha256(code), expiresAt, {
    actor: "operator",
    surface: "cli",
    action: "device.enrollment_code",
    outcome: "ok",
    deviceId,
    detail: `enrollment code issued, valid until ${at(expiresAt)}`,
  });
  if (!stored) return { ok: false, message: `No device with id "${deviceId}" is in the inventory.` };
  return { ok: true, code, expiresAt };
}

/**
 * `auditRefusal: false`: the caller audits refusals itself (the device API counts them per client
 * address and window, since anyone may send them and the audit log is never pruned).
 */
export async function enrollDevice(
  engine: Engine,
  input: { deviceId: string; code: string; pushToken?: string | null },
  opts: { auditRefusal?: boolean } = {},
): Promise<{ ok: true; deviceSecret: string } | { ok: false; message: string }> {
  const { directory, audit } = engine.stores;
  const secret = engine.random.secret(32);
  const entry = { surface: "device", action: "device.enroll" } as const;
  // The enrollment and its audit row are one write: a device never holds a secret the log misses.
  const ok = await directory.completeEnrollment(
    input.deviceId,
    { codeHash: sha256(input.code), secretHash: sha256(secret) },
    engine.clock.now(),
    {
      ...entry,
      actor: `device:${input.deviceId}`,
      outcome: "ok",
      deviceId: input.deviceId,
      detail: "device agent enrolled",
    },
  );
  if (!ok) {
    if (opts.auditRefusal !== false) {
      // The id may name no device: it is whatever the caller sent, so it is stored cut short.
      const named = callerText(input.deviceId, 64);
      await audit.append({
        ...entry,
        actor: `device:${named}`,
        outcome: "refused",
        deviceId: named,
        detail: "invalid or expired enrollment code",
      });
    }
    return { ok: false, message: "Unknown device or invalid/expired enrollment code." };
  }
  if (input.pushToken) await registerPushToken(engine, input.deviceId, input.pushToken);
  return { ok: true, deviceSecret: secret };
}

export async function authenticateDevice(engine: Engine, secret: string): Promise<Device | null> {
  if (secret.length < 16 || secret.length > 200) return null;
  try {
    const device = await engine.stores.directory.deviceBySecretHash(sha256(secret));
    if (device) await engine.stores.directory.touchSeen(device.id, engine.clock.now());
    return device;
  } catch (err) {
    engine.log.error({ err: errorText(err) }, "device authentication failed");
    throw err;
  }
}

/** A new push token also re-arms the push of a command that was waiting for one. */
export async function registerPushToken(engine: Engine, deviceId: string, token: string): Promise<void> {
  await engine.stores.directory.setPushToken(deviceId, token);
  const active = await engine.stores.requests.activeForDevice(deviceId);
  if (active) await engine.stores.requests.schedulePush(active.id, engine.clock.now());
}
