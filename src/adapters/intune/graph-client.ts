// The Graph client behind the GraphClient port: absolute https URLs under INTUNE_GRAPH_URL, a
// bearer token by client credentials, and Graph's manners. 429 waits as Retry-After says (seconds
// or an HTTP date); 5xx and network failures back off with jitter, a bounded number of times; a
// 401 fetches a new token once (it expired in flight); writes stay under Intune's 100 requests /
// 20 s per app. A write is repeated only when Graph cannot have acted on it (429, 503, 401, no
// connection): a second resetPasscode would make the first passcode useless.
import { randomInt, randomUUID } from "node:crypto";
import type { Logger } from "../../core/ports.ts";
import { type GraphClient, GraphError, GraphUnreachable } from "./graph-port.ts";
import type { GraphToken } from "./graph-token.ts";
import { type HttpsAnswer, httpsRequest, NetworkError } from "./https-request.ts";
import { createWriteWindow } from "./write-window.ts";

export interface GraphClientOptions {
  /** INTUNE_GRAPH_URL, e.g. https://graph.microsoft.com (https only). */
  graphUrl: string;
  token: GraphToken;
  log: Logger;
  /** Milliseconds since the epoch (Retry-After dates, the write window). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): the backoff's jitter. */
  random?: () => number;
  /** Tries per call for 429, 5xx and network failures (the first included). Default 5. */
  maxAttempts?: number;
  /** The longest Retry-After honoured; a longer one fails the call. Default 2 minutes. */
  maxWaitMs?: number;
  /** Writes per window. Default Intune's 100 per 20 s. */
  writeLimit?: { limit: number; windowMs: number };
  timeoutMs?: number;
  /** PEM certificates to trust instead of the default store: in-process tests only. */
  ca?: string;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createGraphClient(opts: GraphClientOptions): GraphClient {
  const base = new URL(opts.graphUrl);
  if (base.protocol !== "https:") throw new Error("the Graph URL (INTUNE_GRAPH_URL) must be https");
  const basePath = base.pathname.replace(/\/$/, "");
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? (() => randomInt(1_000_000) / 1_000_000);
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
  const maxWaitMs = opts.maxWaitMs ?? 120_000;
  const writes = createWriteWindow({ ...(opts.writeLimit ?? { limit: 100, windowMs: 20_000 }), now, sleep });
  const log = opts.log;

  function urlFor(path: string): URL {
    if (!path.startsWith("/") || path.startsWith("//"))
      throw new Error(`a Graph path starts with one "/": ${path}`);
    return new URL(`${base.origin}${basePath}${path}`);
  }

  const backoffMs = (attempt: number) => {
    const ceiling = Math.min(30_000, 500 * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };

  function retryAfterMs(value: string | undefined): number | null {
    if (!value) return null;
    if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? null : Math.max(0, at - now());
  }

  async function send(method: "GET" | "POST", url: URL, body?: unknown): Promise<HttpsAnswer> {
    const where = `${method} ${url.pathname}`;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await opts.token.get();
      if (method === "POST") await writes.take();
      let answer: HttpsAnswer;
      try {
        answer = await httpsRequest(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/json",
            "client-request-id": randomUUID(),
            "user-agent": "Latchkey",
            ...(method === "POST" ? { "content-type": "application/json" } : {}),
          },
          ...(method === "POST" ? { body: body === undefined ? "" : JSON.stringify(body) } : {}),
          ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
          ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        });
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        const mayRepeat = method === "GET" || !e.sent;
        if (mayRepeat && attempt < maxAttempts) {
          const waitMs = backoffMs(attempt);
          log.warn(
            { where, attempt, waitMs, reason: e.message },
            "Microsoft Graph unreachable; trying again",
          );
          await sleep(waitMs);
          continue;
        }
        const maybe = mayRepeat ? "" : " (the request may have reached it: check before repeating)";
        throw new GraphUnreachable(
          `Microsoft Graph did not answer ${where}: ${e.message}${maybe}`,
          !mayRepeat,
        );
      }
      const { status } = answer;
      if (status >= 200 && status < 300) return answer;
      if (status === 401 && !refreshed) {
        refreshed = true;
        attempt--;
        log.info({ where }, "Microsoft Graph refused the token; fetching a new one");
        await opts.token.get({ forceRefresh: true });
        continue;
      }
      const { code, message } = graphErrorOf(answer);
      const requestId = answer.headers["request-id"];
      const retryable = status === 429 || status === 503 || (method === "GET" && status >= 500);
      if (retryable && attempt < maxAttempts) {
        const waitMs = retryAfterMs(answer.headers["retry-after"]) ?? backoffMs(attempt);
        if (waitMs <= maxWaitMs) {
          log.warn(
            { where, status, code, attempt, waitMs, requestId },
            "Microsoft Graph asked to wait; trying again",
          );
          await sleep(waitMs);
          continue;
        }
      }
      const tries = retryable ? ` (after ${attempt} attempt${attempt > 1 ? "s" : ""})` : "";
      const ref = requestId ? ` (request-id ${requestId})` : "";
      const text = `Microsoft Graph answered ${where} with ${status} ${code}${tries}: ${message}${ref}`;
      throw new GraphError(status, code, text);
    }
  }

  function json<T>(answer: HttpsAnswer, where: string): T {
    try {
      return JSON.parse(answer.body) as T;
    } catch {
      throw new Error(`Microsoft Graph answered ${where} with something that is not JSON`);
    }
  }

  return {
    async get<T>(path: string): Promise<T> {
      const url = urlFor(path);
      return json<T>(await send("GET", url), `GET ${url.pathname}`);
    },
    async *pages<T>(path: string): AsyncIterable<T[]> {
      let url: URL | null = urlFor(path);
      while (url) {
        const page: { value?: T[]; "@odata.nextLink"?: string } = json(
          await send("GET", url),
          `GET ${url.pathname}`,
        );
        yield page.value ?? [];
        const next = page["@odata.nextLink"];
        if (!next) return;
        const nextUrl: URL = new URL(next, url);
        // The token goes wherever the link points: only ever to the Graph we were given.
        if (nextUrl.origin !== base.origin) {
          throw new Error(
            `refusing to follow @odata.nextLink to ${nextUrl.origin} (Graph is ${base.origin})`,
          );
        }
        url = nextUrl;
      }
    },
    async post(path: string, body?: unknown): Promise<{ status: number }> {
      const answer = await send("POST", urlFor(path), body);
      return { status: answer.status };
    },
  };
}

/** Graph's `{ error: { code, message } }`, or the status when the body is not that. */
function graphErrorOf(answer: HttpsAnswer): { code: string; message: string } {
  try {
    const e = (JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (e && typeof e.code === "string") {
      const message = typeof e.message === "string" ? e.message.slice(0, 300) : "";
      return { code: e.code, message: message || e.code };
    }
  } catch {
    // not JSON: a proxy or load balancer answered
  }
  return { code: `HTTP${answer.status}`, message: "no Graph error in the answer" };
}
