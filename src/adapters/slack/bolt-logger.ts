// Bolt and the Web API client log through our structured logger. Their debug output is dropped
// on purpose: the Web API client logs whole request bodies at debug level, and the body of a
// passcode DM carries the passcode.
import type { Logger as SlackLogger } from "@slack/bolt";
import { LogLevel } from "@slack/bolt";
import type { Logger } from "../../core/ports.ts";

export function boltLogger(log: Logger, name = "slack"): SlackLogger {
  let level = LogLevel.INFO;
  let component = name;
  const line = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : String(m))).join(" ");
  return {
    debug: () => {},
    info: (...msg: unknown[]) => log.info({ component }, line(msg)),
    warn: (...msg: unknown[]) => log.warn({ component }, line(msg)),
    error: (...msg: unknown[]) => log.error({ component }, line(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n: string) => {
      component = n;
    },
  };
}
