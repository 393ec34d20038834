// Replies of the fake Graph and its token endpoint (test/support/fake-graph.ts): JSON bodies with a
// request-id header, Graph's error body with its code per status, and the scripted faults on Graph
// requests, each served once per matching request, in the order added.
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";

export interface Fault {
  status: number;
  /** Retry-After header value: seconds ("2") or an HTTP date. */
  retryAfter?: string;
  /** Graph's error.code in the body (defaults per status). */
  code?: string;
  times?: number;
  method?: "GET" | "POST";
  path?: string | RegExp;
}

const ERROR_CODES: Record<number, string> = {
  400: "BadRequest",
  401: "InvalidAuthenticationToken",
  403: "Forbidden",
  404: "ResourceNotFound",
  429: "TooManyRequests",
  500: "InternalServerError",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

export function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { "content-type": "application/json" }),
    "request-id": randomBytes(8).toString("hex"),
    ...headers,
  });
  res.end(text);
}

export function graphError(
  res: ServerResponse,
  status: number,
  code?: string,
  headers: Record<string, string> = {},
) {
  const c = code ?? ERROR_CODES[status] ?? "UnknownError";
  send(res, status, { error: { code: c, message: `fake graph: ${c}`, innerError: {} } }, headers);
}

/** The faults still to serve: `add` queues one, `take` serves the first that matches a request. */
export function faultQueue() {
  const faults: (Fault & { left: number })[] = [];
  return {
    add(f: Fault) {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    take(method: string, path: string): Fault | undefined {
      const i = faults.findIndex(
        (f) =>
          (f.method === undefined || f.method === method) &&
          (f.path === undefined ||
            (typeof f.path === "string" ? path.startsWith(f.path) : f.path.test(path))),
      );
      const f = faults[i];
      if (!f) return undefined;
      if (--f.left <= 0) faults.splice(i, 1);
      return f;
    },
  };
}
