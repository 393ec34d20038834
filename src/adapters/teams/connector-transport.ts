// The HTTP transport under botbuilder's ConnectorClient (ConnectorClientOptions.httpClient): every
// call to the Bot Connector goes through here, so pacing and retries live in one place. Sends and
// updates are paced per conversation; 429/412/502/504 and network failures are retried with
// exponential backoff and full jitter, a Retry-After wins. A final failure is thrown as a plain
// ConnectorError, which the SDK's own retry policy passes through (it only retries its RestError),
// so attempts never multiply.
import { randomInt } from "node:crypto";
import type { Logger } from "../../core/ports.ts";
import type { WindowGate } from "./window-gate.ts";

export interface RetryOptions {
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRIES: RetryOptions = { retries: 5, minDelayMs: 1000, maxDelayMs: 30_000 };
const RETRYABLE = new Set([412, 429, 502, 504]);
const TIMEOUT_MS = 15_000;

export class ConnectorError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = "ConnectorError";
  }
}

/** Just enough of azure core-http-compat's HttpHeadersLike for the SDK to read a response. */
function headersLike(init: Record<string, string>) {
  const map = new Map(Object.entries(init).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
  const self = {
    set: (name: string, value: string | number) =>
      void map.set(name.toLowerCase(), { name, value: String(value) }),
    get: (name: string) => map.get(name.toLowerCase())?.value,
    contains: (name: string) => map.has(name.toLowerCase()),
    remove: (name: string) => map.delete(name.toLowerCase()),
    rawHeaders: () => Object.fromEntries([...map.entries()].map(([k, h]) => [k, h.value])),
    headersArray: () => [...map.values()],
    headerNames: () => [...map.values()].map((h) => h.name),
    headerValues: () => [...map.values()].map((h) => h.value),
    toJson: (o?: { preserveCase?: boolean }) =>
      Object.fromEntries([...map.entries()].map(([k, h]) => [o?.preserveCase ? h.name : k, h.value])),
    clone: () => headersLike(self.toJson({ preserveCase: true })),
  };
  return self;
}

interface WebResourceLike {
  url: string;
  method: string;
  headers: { headersArray(): { name: string; value: string }[] };
  body?: unknown;
  abortSignal?: AbortSignal;
}

export function retryDelayMs(attempt: number, retryAfter: string | null, opts: RetryOptions): number {
  if (retryAfter) {
    const secs = Number(retryAfter);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), Math.max(opts.maxDelayMs, 60_000));
  }
  const cap = Math.min(opts.maxDelayMs, opts.minDelayMs * 2 ** attempt);
  // Full jitter: many threads throttled at once must not retry in lockstep.
  return Math.max(opts.minDelayMs / 2, randomInt(0, Math.max(1, Math.round(cap)) + 1));
}

/** The conversation a send or update counts against (a channel thread counts against its channel). */
export function pacingKey(method: string, url: string): string | null {
  if (method !== "POST" && method !== "PUT") return null;
  const m = /\/v3\/conversations\/([^/]+)\/activities/.exec(new URL(url).pathname);
  if (!m?.[1]) return null;
  return decodeURIComponent(m[1]).replace(/;messageid=.*$/, "");
}

export function createConnectorTransport(opts: { retries: RetryOptions; gate: WindowGate; log: Logger }) {
  const { retries, gate, log } = opts;
  async function once(req: WebResourceLike) {
    const headers: Record<string, string> = {};
    for (const h of req.headers.headersArray()) headers[h.name] = h.value;
    const signals = [AbortSignal.timeout(TIMEOUT_MS), ...(req.abortSignal ? [req.abortSignal] : [])];
    const res = await fetch(req.url, {
      method: req.method,
      headers,
      ...(typeof req.body === "string" ? { body: req.body } : {}),
      signal: AbortSignal.any(signals),
    });
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      out[k] = v;
    });
    return { status: res.status, headers: out, text: await res.text() };
  }
  return {
    async sendRequest(req: WebResourceLike) {
      const key = pacingKey(req.method, req.url);
      const path = new URL(req.url).pathname;
      for (let attempt = 0; ; attempt++) {
        if (key) await gate.wait(key);
        let res: Awaited<ReturnType<typeof once>> | null = null;
        let failure: string;
        try {
          res = await once(req);
          if (res.status < 400) {
            return {
              request: req,
              status: res.status,
              headers: headersLike(res.headers),
              bodyAsText: res.text,
            };
          }
          failure = `HTTP ${res.status}`;
        } catch (err) {
          failure = err instanceof Error ? err.message : String(err);
        }
        const retryable = res === null || RETRYABLE.has(res.status);
        if (!retryable || attempt >= retries.retries) {
          const code = res ? errorCode(res.text) : null;
          throw new ConnectorError(
            res?.status ?? 0,
            code,
            `Bot Connector ${req.method} ${path} failed: ${failure}${code ? ` (${code})` : ""}`,
          );
        }
        const delay = retryDelayMs(attempt, res?.headers["retry-after"] ?? null, retries);
        log.warn(
          { component: "teams", path, failure, attempt: attempt + 1, delayMs: delay },
          "Bot Connector call retried",
        );
        await new Promise((ok) => setTimeout(ok, delay));
      }
    },
  };
}

function errorCode(text: string): string | null {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? code : null;
  } catch {
    return null;
  }
}
