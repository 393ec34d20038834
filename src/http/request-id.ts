// The id of an HTTP call: the caller's X-Request-Id when it is worth echoing (a load balancer's),
// else a new one. It is sent back on the answer and written on the router's lines for the call.
import { randomUUID } from "node:crypto";

/** An X-Request-Id worth echoing (no spaces, no control characters, not too long), else a new one. */
export function httpRequestId(given: string | string[] | undefined): string {
  const value = Array.isArray(given) ? given[0] : given;
  return value && /^[A-Za-z0-9._:@/+=-]{1,128}$/.test(value) ? value : randomUUID();
}
