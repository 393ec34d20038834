// Fields every log line written inside a unit of work carries: the HTTP request id of the call
// being answered, the reset request id (rq_...) an adapter is working for, the scheduler job.
// AsyncLocalStorage carries them through awaits, so code deep in an SDK callback (Bolt's Web API
// client, the Bot Connector transport) logs them without being handed a logger.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

export type LogFields = Record<string, string>;

const context = new AsyncLocalStorage<LogFields>();

/** Runs `work` with `fields` added to every log line written inside it (nested scopes add up). */
export function withLogFields<T>(fields: LogFields, work: () => T): T {
  const outer = context.getStore();
  return context.run(outer ? { ...outer, ...fields } : fields, work);
}

export function currentLogFields(): LogFields | undefined {
  return context.getStore();
}

/** An X-Request-Id worth echoing (no spaces, no control characters, not too long), else a new one. */
export function httpRequestId(given: string | string[] | undefined): string {
  const value = Array.isArray(given) ? given[0] : given;
  return value && /^[A-Za-z0-9._:@/+=-]{1,128}$/.test(value) ? value : randomUUID();
}
