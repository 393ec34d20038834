// Parsers for values of the environment (booleans, durations, email lists, rates, ports), for
// src/config.ts. Each names what it expected; none echoes a secret.
import { z } from "zod";
import { parseRate, type RateLimit } from "./rate.ts";

export class ConfigError extends Error {}

/** "true"/"false" (and 1/0, yes/no, on/off) explicitly: "false" must never become true. */
function parseBool(name: string, v: string, ctx: z.RefinementCtx): boolean {
  const s = v.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(s)) return true;
  if (["false", "0", "no", "off"].includes(s)) return false;
  ctx.addIssue({ code: "custom", message: `${name} must be true or false, got "${v}"` });
  return z.NEVER;
}

export const bool = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined || v.trim() === "" ? fallback : parseBool(name, v, ctx)));

/** A boolean whose absence means something of its own (undefined: decided from other settings). */
export const optionalBool = (name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx): boolean | undefined =>
      v === undefined || v.trim() === "" ? undefined : parseBool(name, v, ctx),
    );

export const duration = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const ms = parseDuration(v === undefined || v.trim() === "" ? fallback : v);
      if (ms === null) {
        ctx.addIssue({
          code: "custom",
          message: `expected a duration such as 90s, 15m, 1h or 7d, got "${v}"`,
        });
        return z.NEVER;
      }
      return ms;
    });

export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as "ms" | "s" | "m" | "h" | "d"
  ];
  return Number(m[1]) * unit;
}

/** A TCP port, or "off" (null). Undefined when unset: the default depends on other settings. */
export const portOrOff = z
  .string()
  .optional()
  .transform((v, ctx): number | null | undefined => {
    if (v === undefined || v.trim() === "") return undefined;
    if (v.trim().toLowerCase() === "off") return null;
    const n = Number(v.trim());
    if (/^\d+$/.test(v.trim()) && n <= 65535) return n;
    ctx.addIssue({ code: "custom", message: `expected a port number (0-65535) or "off", got "${v}"` });
    return z.NEVER;
  });

export const emailList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const list = (v ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    for (const e of list) {
      if (!z.email().safeParse(e).success) {
        ctx.addIssue({ code: "custom", message: `"${e}" is not an email address` });
        return z.NEVER;
      }
    }
    return list;
  });

/** Device API limits: per device once authenticated; per client address for enrollment and bad secrets. */
export interface DeviceApiRate {
  device: RateLimit;
  unauthenticated: RateLimit;
}

/** Per device, 120 a minute: an agent makes a handful of calls per reset. Per address, 20. */
export const DEFAULT_DEVICE_API_RATE: DeviceApiRate = {
  device: { limit: 120, windowMs: 60_000 },
  unauthenticated: { limit: 20, windowMs: 60_000 },
};

export const deviceApiRate = z
  .string()
  .optional()
  .transform((v, ctx): DeviceApiRate => {
    if (!v) return DEFAULT_DEVICE_API_RATE;
    const rates = v.split(",").map(parseRate);
    const [device, unauthenticated = DEFAULT_DEVICE_API_RATE.unauthenticated, ...extra] = rates;
    if (device && unauthenticated && extra.length === 0) return { device, unauthenticated };
    const message = `expected calls per window per device, then optionally per client address before it authenticates, such as "120/m" or "120/m,20/m"; got "${v}"`;
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  });

/**
 * Simulated devices: on the embedded default (SQLite, not NODE_ENV=production) unless
 * SIMULATED_DEVICES=false, elsewhere only with SIMULATED_DEVICES=true. A production deployment
 * with no push service refuses to start rather than serve /simulator/* (unauthenticated) or
 * report "locked" for phones nothing reached.
 */
export function simulatedDevices(
  e: {
    SIMULATED_DEVICES?: boolean | undefined;
    FIREBASE_SERVICE_ACCOUNT?: string | undefined;
    INTUNE_TENANT_ID?: string | undefined;
    NODE_ENV?: string | undefined;
  },
  postgresql: boolean,
): boolean {
  const push = Boolean(e.FIREBASE_SERVICE_ACCOUNT);
  if (e.SIMULATED_DEVICES === true && push) {
    throw new ConfigError(
      "Invalid configuration:\n  SIMULATED_DEVICES: true sends every push to simulated phones, but FIREBASE_SERVICE_ACCOUNT is set for real ones; choose one.",
    );
  }
  if (e.SIMULATED_DEVICES === true) return true;
  // Phones managed by Intune are reached through Microsoft Graph: a real back-end, no push needed
  // (agent devices, if any, are then reached at their own check-in).
  if (push || e.INTUNE_TENANT_ID) return false;
  const production = e.NODE_ENV?.trim().toLowerCase() === "production";
  if (production || postgresql) {
    const why = production ? "NODE_ENV=production" : "a PostgreSQL DATABASE_URL";
    throw new ConfigError(
      `Invalid configuration:\n  FIREBASE_SERVICE_ACCOUNT: required with ${why}: no push service is configured, and simulated devices run only on the embedded default. Set FIREBASE_SERVICE_ACCOUNT to reach phones running Latchkey's agent, the INTUNE_* settings for phones managed by Microsoft Intune, or SIMULATED_DEVICES=true for a demo or test with simulated phones only.`,
    );
  }
  return e.SIMULATED_DEVICES !== false;
}
