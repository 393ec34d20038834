// A small router over node:http: JSON in, JSON out, bounded bodies, one place that turns an
// unexpected error into a 500 without leaking its message.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../core/ports.ts";
import { readBody } from "./body.ts";
import { clientAddress } from "./client-address.ts";
import { httpRequestId } from "./request-id.ts";

export interface HttpRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
  /** The caller's address: the socket's peer, or behind TRUST_PROXY_HOPS proxies what they vouch for. */
  clientAddress: string;
  /** X-Request-Id as given (when well-formed) or generated; echoed in the response. */
  requestId: string;
}

export interface HttpResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A body sent as is (with its content-type in `headers`) instead of JSON. */
  text?: string;
}

/** Told about every answered request (metrics): the matched route's pattern or mount prefix. */
export type ResponseObserver = (info: {
  method: string;
  route: string;
  status: number;
  seconds: number;
}) => void;

export type Handler = (req: HttpRequest) => Promise<HttpResponse>;

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  handler: Handler;
}

/** A handler for paths the JSON router does not own (Slack, Teams mount raw listeners). */
export type RawListener = (req: IncomingMessage, res: ServerResponse) => void;

export const MAX_BODY_BYTES = 64 * 1024;
/** Bodies of the raw mounts (Slack, Teams), as Bolt's own limit: their adapters may refuse less. */
export const MAX_RAW_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Compiled extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): Compiled {
  const names: string[] = [];
  const source = route.path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

export interface RouterOptions {
  /** Paths handed to a listener of their own (Bolt, botbuilder), body unread. */
  raw?: { prefix: string; listener: RawListener }[];
  onResponse?: ResponseObserver;
  /** Reverse proxies in front whose X-Forwarded-For entries are believed (client-address.ts). */
  trustProxyHops?: number;
}

export function createRouter(routes: Route[], log: Logger, options: RouterOptions = {}) {
  const { raw = [], onResponse, trustProxyHops = 0 } = options;
  const site: Site = { routes: routes.map(compile), log, trustProxyHops };
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? "/", "http://localhost");
    const id = httpRequestId(req.headers["x-request-id"]);
    res.setHeader("x-request-id", id);
    const mount = raw.find((r) => url.pathname.startsWith(r.prefix));
    const matched: Matched = { route: mount?.prefix ?? "unmatched", log: { httpRequestId: id } };
    if (onResponse) {
      res.once("finish", () =>
        onResponse({
          method: req.method ?? "GET",
          route: matched.route,
          status: res.statusCode,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
        }),
      );
    }
    dispatch(site, req, res, url, matched, mount);
  };
}

/** What every call to one router shares. */
interface Site {
  routes: Compiled[];
  log: Logger;
  /** Reverse proxies whose X-Forwarded-For entries are believed (client-address.ts). */
  trustProxyHops: number;
}

/** What the call turned out to be: its route (metrics) and the fields of its log lines. */
interface Matched {
  route: string;
  log: { httpRequestId: string; requestId?: string };
}

function dispatch(
  site: Site,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  matched: Matched,
  mount: { prefix: string; listener: RawListener } | undefined,
): void {
  const { log } = site;
  if (mount) {
    // Bolt reads a body up to its own limit whatever length is declared, so a client declaring
    // megabytes it never sends would hold the connection: refused here, unread, and closed.
    if (Number(req.headers["content-length"] ?? 0) > MAX_RAW_BODY_BYTES) {
      send(res, {
        status: 413,
        headers: { connection: "close" },
        body: { error: `Request body too large (limit ${MAX_RAW_BODY_BYTES} bytes).` },
      });
      return;
    }
    log.debug({ ...matched.log, method: req.method, path: url.pathname }, "http request");
    mount.listener(req, res);
    return;
  }
  handle(site, req, url, matched).then(
    (out) => send(res, out),
    (err: unknown) => {
      if (err instanceof HttpError) {
        send(res, { status: err.status, body: { error: err.message } });
        return;
      }
      log.error(
        { ...matched.log, path: url.pathname, err: err instanceof Error ? err.message : String(err) },
        "request failed",
      );
      send(res, { status: 500, body: { error: "Internal error; it has been logged." } });
    },
  );
}

async function handle(site: Site, req: IncomingMessage, url: URL, matched: Matched): Promise<HttpResponse> {
  const matches = site.routes.filter((r) => r.pattern.test(url.pathname));
  if (matches.length === 0) return { status: 404, body: { error: `No such endpoint: ${url.pathname}` } };
  const route = matches.find((r) => r.method === req.method);
  if (!route) return { status: 405, body: { error: `Method ${req.method} not allowed here.` } };
  matched.route = route.path;
  const m = route.pattern.exec(url.pathname);
  const params: Record<string, string> = {};
  route.names.forEach((name, i) => {
    try {
      params[name] = decodeURIComponent(m?.[i + 1] ?? "");
    } catch {
      throw new HttpError(400, `Malformed path parameter "${name}".`);
    }
  });
  // A path naming a reset request (a device's report) names it on the call's lines.
  if (params.requestId?.startsWith("rq_")) matched.log.requestId = params.requestId;
  const body = req.method === "GET" ? undefined : await readJson(req);
  site.log.debug({ ...matched.log, method: req.method, path: url.pathname }, "http request");
  return route.handler({
    method: req.method ?? "GET",
    path: url.pathname,
    params,
    query: url.searchParams,
    headers: req.headers,
    body,
    clientAddress: clientAddress(req, site.trustProxyHops),
    requestId: matched.log.httpRequestId,
  });
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body) throw new HttpError(413, `Request body too large (limit ${MAX_BODY_BYTES} bytes).`);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "The request body is not valid JSON.");
  }
}

function send(res: ServerResponse, out: HttpResponse): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { "cache-control": "no-store", ...(out.headers ?? {}) };
  if (out.text !== undefined) {
    res.writeHead(out.status, headers).end(out.text);
    return;
  }
  if (out.body === undefined) {
    res.writeHead(out.status, headers).end();
    return;
  }
  const text = JSON.stringify(out.body);
  res.writeHead(out.status, { ...headers, "content-type": "application/json; charset=utf-8" }).end(text);
}
