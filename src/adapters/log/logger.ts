// Structured JSON logs (pino). Redaction is a second line of defence: no code path logs a
// passcode or a secret, and these paths are censored should one ever try. A line about a reset
// request names it (`requestId`, rq_...), one about an HTTP call names that (`httpRequestId`),
// a scheduler job's failure its `job`: each is written by the code that knows it. There is no
// ambient context carried through awaits: on Node 20 that means a hook on every promise of the
// process, about a tenth of the CPU of each Slack request (docs/performance.md).
import pino from "pino";
import type { Logger } from "../../core/ports.ts";

const SECRET_KEYS = [
  "passcode",
  "newPasscode",
  "secret",
  "deviceSecret",
  "enrollmentCode",
  "authorization",
  "cookie",
  "password",
  "token",
  "botToken",
  "appToken",
  "signingSecret",
  "passcodeKey",
];

/** Each key at the top level and up to three levels down, and request headers. */
export const REDACTED_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
];

export type AppLogger = Logger & {
  raw: pino.Logger;
  /** A logger whose every line carries `fields` (e.g. `{ requestId }`). */
  child(fields: Record<string, unknown>): AppLogger;
};

export function createLogger(level: string, destination?: pino.DestinationStream): AppLogger {
  const raw = pino(
    {
      level,
      base: { service: "latchkey" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination,
  );
  return wrap(raw);
}

function wrap(raw: pino.Logger): AppLogger {
  return {
    raw,
    debug: (f, m) => raw.debug(f, m),
    info: (f, m) => raw.info(f, m),
    warn: (f, m) => raw.warn(f, m),
    error: (f, m) => raw.error(f, m),
    child: (fields) => wrap(raw.child(fields)),
  };
}
