// Structured JSON logs (pino). Redaction is a second line of defence: no code path logs a
// passcode or a secret, and these paths are censored should one ever try.
import pino from "pino";
import type { Logger } from "../../core/ports.ts";

export const REDACTED_PATHS = [
  "passcode",
  "*.passcode",
  "*.*.passcode",
  "secret",
  "*.secret",
  "deviceSecret",
  "*.deviceSecret",
  "enrollmentCode",
  "*.enrollmentCode",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
];

export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
): Logger & { raw: pino.Logger } {
  const raw = pino(
    { level, base: { service: "latchkey" }, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
    destination,
  );
  return {
    raw,
    debug: (f, m) => raw.debug(f, m),
    info: (f, m) => raw.info(f, m),
    warn: (f, m) => raw.warn(f, m),
    error: (f, m) => raw.error(f, m),
  };
}
