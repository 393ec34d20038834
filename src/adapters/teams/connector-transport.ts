// The HTTP transport under botbuilder's ConnectorClient (ConnectorClientOptions.httpClient): every
// call to the Bot Connector goes through here, so pacing and retries live in one place.
// Two budgets: a call made during a turn (a member lookup, a reply) gets one quick retry, since
// Teams gives the whole turn 15 s and retries a submit after 5 s; a background call (status cards,
// milestones, passcodes) retries longer, but always ends well inside the thread lease (120 s).
// Each budget is its own client (`turn`, `background`), given to its own adapter (teams-adapter.ts),
// both sharing one pacing gate.
// A new message (POST .../activities) is retried only when it cannot have been posted (429, 412,
// no connection made): after a 502, a 504 or a timeout it may have been, and a second copy is worse
// than a late one. Updates and reads are retried on 429/412/502/504 and network failures.
// A final failure is thrown as a plain ConnectorError, which the SDK's own retry policy passes
// through (it only retries its RestError), so attempts never multiply.
import { randomInt } from "node:crypto";
import type { Logger } from "../../core/ports.ts";
import type { ChatApiObserver } from "../metrics/metrics.ts";
import type { WindowGate } from "./window-gate.ts";

export interface RetryOptions {
  /** Retries after the first attempt, at most. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** No retry is made that would start later than this after the call began (Retry-After included). */
  budgetMs: number;
  /** Each attempt's own timeout (never past the budget, once a retry has been made). */
  attemptTimeoutMs: number;
}

export interface RetryPolicy {
  turn: RetryOptions;
  background: RetryOptions;
}

/** One retry, at most 2 s spent on it: the person is waiting and Teams retries the submit at 5 s. */
export const TURN_RETRIES: RetryOptions = {
  retries: 1,
  minDelayMs: 200,
  maxDelayMs: 800,
  budgetMs: 2000,
  attemptTimeoutMs: 5000,
};

/** Well under the thread lease (core LEASE_MS, 120 s), which is renewed before each chat step. */
export const BACKGROUND_RETRIES: RetryOptions = {
  retries: 5,
  minDelayMs: 1000,
  maxDelayMs: 20_000,
  budgetMs: 60_000,
  attemptTimeoutMs: 15_000,
};

export const DEFAULT_RETRIES: RetryPolicy = { turn: TURN_RETRIES, background: BACKGROUND_RETRIES };

const ALWAYS_RETRYABLE = new Set([412, 429]);
const RETRYABLE_IF_SAFE = new Set([502, 504]);
/** Errors that mean no request reached the Bot Connector. */
const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

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

/** The wait before retry `attempt` (0-based): a Retry-After wins; otherwise backoff with full jitter. */
export function retryDelayMs(attempt: number, retryAfter: string | null, opts: RetryOptions): number {
  if (retryAfter) {
    const secs = Number(retryAfter);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms)) return Math.max(ms, 0);
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
  return decodeURIComponent(m[1]).replace(/;messageid=[\s\S]*$/, "");
}

/** A new message: repeating it after an unclear failure could post it twice. */
export function postsMessage(method: string, url: string): boolean {
  return method === "POST" && /\/v3\/conversations\/[^/]+\/activities(\/[^/]+)?$/.test(new URL(url).pathname);
}

function neverConnected(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === "string" && NOT_CONNECTED.has(cause.code);
}

/** A bounded label for a Bot Connector call: its method and path with the ids taken out. */
export function connectorOperation(method: string, path: string): string {
  const named = /^(v3|conversations|activities|members|pagedmembers|attachments|teams|channels)$/;
  return `${method} ${path
    .split("/")
    .map((s) => (s === "" || named.test(s) ? s : ":id"))
    .join("/")}`;
}

export function createConnectorTransport(opts: {
  retries: RetryPolicy;
  gate: WindowGate;
  log: Logger;
  /** Told about failed and retried calls (metrics). */
  observer?: ChatApiObserver;
}) {
  const { gate, log } = opts;
  async function once(req: WebResourceLike, timeoutMs: number) {
    const headers: Record<string, string> = {};
    for (const h of req.headers.headersArray()) headers[h.name] = h.value;
    const signals = [AbortSignal.timeout(timeoutMs), ...(req.abortSignal ? [req.abortSignal] : [])];
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
  async function sendRequest(kind: keyof RetryPolicy, req: WebResourceLike) {
    const policy = opts.retries[kind];
    const key = pacingKey(req.method, req.url);
    const path = new URL(req.url).pathname;
    const posting = postsMessage(req.method, req.url);
    const deadline = Date.now() + policy.budgetMs;
    for (let attempt = 0; ; attempt++) {
      if (key) await gate.wait(key);
      const timeoutMs =
        attempt === 0
          ? policy.attemptTimeoutMs
          : Math.max(1000, Math.min(policy.attemptTimeoutMs, deadline - Date.now()));
      let res: Awaited<ReturnType<typeof once>> | null = null;
      let failure: string;
      let retryable: boolean;
      try {
        res = await once(req, timeoutMs);
        if (res.status < 400) {
          return {
            request: req,
            status: res.status,
            headers: headersLike(res.headers),
            bodyAsText: res.text,
          };
        }
        failure = `HTTP ${res.status}`;
        retryable = ALWAYS_RETRYABLE.has(res.status) || (!posting && RETRYABLE_IF_SAFE.has(res.status));
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
        retryable = !posting || neverConnected(err);
      }
      const delay = retryDelayMs(attempt, res?.headers["retry-after"] ?? null, policy);
      const late = Date.now() + delay > deadline;
      if (!retryable || attempt >= policy.retries || late) {
        const code = res ? errorCode(res.text) : null;
        opts.observer?.failed(connectorOperation(req.method, path), res ? `http_${res.status}` : "network");
        const why = retryable && late ? ` (no retry: it would end past the ${kind} budget)` : "";
        throw new ConnectorError(
          res?.status ?? 0,
          code,
          `Bot Connector ${req.method} ${path} failed: ${failure}${code ? ` (${code})` : ""}${why}`,
        );
      }
      log.warn(
        { component: "teams", path, failure, attempt: attempt + 1, delayMs: delay, budget: kind },
        "Bot Connector call retried",
      );
      opts.observer?.retried(connectorOperation(req.method, path), res ? `http_${res.status}` : "network");
      await new Promise((ok) => setTimeout(ok, delay));
    }
  }
  return {
    /** For a turn's ConnectorClient: the quick budget. */
    turn: { sendRequest: (req: WebResourceLike) => sendRequest("turn", req) },
    /** For the bot's own sends (proactive.ts): the longer budget. */
    background: { sendRequest: (req: WebResourceLike) => sendRequest("background", req) },
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
