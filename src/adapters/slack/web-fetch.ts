// The transport under Slack's WebClient (its documented `fetch` option): node:http(s) on
// keep-alive agents instead of the global fetch. The WebClient itself (queue, retries, rate-limit
// handling, errors) is unchanged; only how its POSTs travel is. In a microbenchmark here, undici's
// fetch cost ~170 µs of CPU a call against ~25 µs for node:http; a reset makes about 16 calls
// (docs/performance.md). Bolt's respond() (response_url) uses it too. Bodies other than a
// string (file uploads' FormData) go to the global fetch, which knows how to encode them. Redirects
// are not followed (Slack's API and response URLs do not redirect): `redirect: "error"` (what the
// WebClient asks) rejects one, otherwise the 3xx is the answer.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from "node:http";
import { type AgentOptions, Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { webApi } from "@slack/bolt";

type FetchFunction = NonNullable<webApi.WebClientOptions["fetch"]>;
type FetchResponse = Awaited<ReturnType<FetchFunction>>;
type FetchInit = Parameters<FetchFunction>[1];

/** A Web API answer larger than this is refused (Slack's largest JSON answers are far smaller). */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** A connection silent this long is given up (the WebClient's own timeout is shorter; respond()'s is none). */
const IDLE_TIMEOUT_MS = 30_000;

export interface WebFetch {
  fetch: FetchFunction;
  /** Closes the kept-alive connections (at shutdown). */
  close(): void;
}

export interface WebFetchOptions {
  /** TLS options for https (tests pass their own CA); the system's CAs otherwise. */
  tls?: Pick<AgentOptions, "ca">;
}

export function createWebFetch(opts: WebFetchOptions = {}): WebFetch {
  // Idle connections are closed after 4 s: under Node's and most servers' own keep-alive timeouts
  // (5 s), so a request is rarely sent on a socket the server is closing.
  const common = { keepAlive: true, timeout: 4_000, scheduling: "lifo" as const };
  const http = new HttpAgent(common);
  const https = new HttpsAgent({ ...common, ...opts.tls });
  const fetch: FetchFunction = (input, init) => {
    if (init?.body !== undefined && typeof init.body !== "string") return globalThis.fetch(input, init);
    const url = typeof input === "string" ? new URL(input) : input;
    const secure = url.protocol === "https:";
    if (!secure && url.protocol !== "http:")
      return Promise.reject(new TypeError(`unsupported URL ${url.protocol}`));
    return send(
      url,
      init,
      secure ? { agent: https, request: httpsRequest } : { agent: http, request: httpRequest },
    );
  };
  return {
    fetch,
    close() {
      http.destroy();
      https.destroy();
    },
  };
}

interface Transport {
  agent: HttpAgent;
  request: typeof httpRequest;
}

function send(url: URL, init: FetchInit, t: Transport, retried = false): Promise<FetchResponse> {
  return new Promise((resolve, reject) => {
    const signal = init?.signal;
    if (signal?.aborted) return reject(signal.reason);
    const body = init?.body as string | undefined;
    const headers: Record<string, string | number> = { ...init?.headers };
    if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
    const req = t.request(url, { method: init?.method ?? "GET", headers, agent: t.agent });
    const abort = () => req.destroy(signal?.reason);
    req.setTimeout(IDLE_TIMEOUT_MS, () =>
      req.destroy(new Error(`${url.origin} sent nothing for ${IDLE_TIMEOUT_MS} ms`)),
    );
    signal?.addEventListener("abort", abort, { once: true });
    const done = () => signal?.removeEventListener("abort", abort);
    let answered = false;
    req.on("error", (err: NodeJS.ErrnoException) => {
      done();
      // A kept-alive socket the server closed as this request went out: Node's documented case
      // for sending again once, on a new connection (nothing was answered).
      if (req.reusedSocket && err.code === "ECONNRESET" && !answered && !retried && !signal?.aborted) {
        resolve(send(url, init, t, true));
      } else reject(err);
    });
    req.on("response", (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (init?.redirect === "error" && status >= 300 && status < 400) {
        res.resume();
        done();
        return reject(new TypeError(`redirected (${status}) from ${url.href}`));
      }
      const encoding = String(res.headers["content-encoding"] ?? "").toLowerCase();
      const stream = decoded(res, encoding);
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy(new Error(`the answer from ${url.origin} exceeds ${MAX_RESPONSE_BYTES} bytes`));
        } else chunks.push(chunk);
      });
      stream.on("error", (err) => {
        done();
        reject(err);
      });
      res.on("aborted", () => stream.destroy(new Error(`the answer from ${url.origin} was cut off`)));
      stream.on("end", () => {
        done();
        resolve(response(url.href, status, res.statusMessage ?? "", res.headers, Buffer.concat(chunks)));
      });
    });
    req.end(body);
  });
}

function decoded(res: IncomingMessage, encoding: string): Readable {
  if (encoding === "gzip" || encoding === "x-gzip") return res.pipe(createGunzip());
  if (encoding === "deflate") return res.pipe(createInflate());
  if (encoding === "br") return res.pipe(createBrotliDecompress());
  return res;
}

function response(url: string, status: number, statusText: string, raw: IncomingHttpHeaders, body: Buffer) {
  const value = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(", ") : v);
  const text = async () => body.toString("utf8");
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText,
    url,
    headers: {
      get: (name: string) => value(raw[name.toLowerCase()]) ?? null,
      entries: () =>
        Object.entries(raw).flatMap(([k, v]): [string, string][] =>
          v === undefined ? [] : [[k, value(v) as string]],
        ),
    },
    text,
    json: async () => JSON.parse(await text()) as unknown,
    arrayBuffer: async () =>
      body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
  } satisfies FetchResponse;
}
