// Parsing of key material from the environment (PASSCODE_KEY, PASSCODE_KEY_PREVIOUS), for
// src/config.ts. A bad value is named, never echoed.
import { z } from "zod";

export function decodeKey(text: string): Buffer | null {
  const t = text.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  return buf.length === 32 ? buf : null;
}

export const keyList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const keys = (v ?? "").split(",").flatMap((s) => (s.trim() ? [decodeKey(s)] : []));
    const bad = keys.indexOf(null);
    if (bad < 0) return keys as Buffer[];
    // Never echo the value: it is key material.
    const message = `key ${bad + 1} of ${keys.length} is not 32 bytes (64 hex characters or base64); separate keys with commas`;
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  });
