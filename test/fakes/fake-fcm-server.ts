// A local HTTP server that plays the FCM HTTP v1 API closely enough for firebase-admin:
// `POST /v1/projects/{id}/messages:send` answers `{"name": ".../messages/N"}`, or whatever
// scripted reply (status, FCM error body, headers) the test queued. Every request is recorded.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedFcmRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
}

export interface FcmReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /**
   * Sends `Retry-After` as an HTTP date this many milliseconds ahead, with a fractional second.
   * firebase-admin honours a positive Retry-After instead of its own 1 s, 2 s, 4 s backoff on
   * 503, so a test can let it retry for real without waiting seconds.
   */
  retryAfterMs?: number;
}

export interface FakeFcmServer {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  requests: RecordedFcmRequest[];
  /** Queue replies for the next requests, in order; once used up the server answers success again. */
  queue(...replies: FcmReply[]): void;
  reset(): void;
  close(): Promise<void>;
}

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;

/** FCM v1 error body, as Google sends it. */
export function fcmError(status: number, statusName: string, message: string, errorCode?: string): FcmReply {
  const details = errorCode
    ? [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode }]
    : [];
  return { status, body: { error: { code: status, message, status: statusName, details } } };
}

export async function startFakeFcmServer(): Promise<FakeFcmServer> {
  const requests: RecordedFcmRequest[] = [];
  let pending: FcmReply[] = [];
  let sent = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      let body: unknown = null;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = null;
      }
      const path = req.url ?? "";
      requests.push({ method: req.method ?? "", path, headers: req.headers, rawBody, body });

      const match = SEND_PATH.exec(path);
      let reply: FcmReply;
      if (req.method !== "POST" || !match) {
        reply = fcmError(404, "NOT_FOUND", `No route for ${req.method} ${path}`);
      } else {
        reply = pending.shift() ?? {
          status: 200,
          body: { name: `projects/${match[1]}/messages/${++sent}` },
        };
      }
      const headers: Record<string, string> = {
        "content-type": "application/json; charset=UTF-8",
        ...reply.headers,
      };
      if (reply.retryAfterMs !== undefined)
        headers["retry-after"] = httpDateWithMillis(Date.now() + reply.retryAfterMs);
      res.writeHead(reply.status, headers);
      res.end(JSON.stringify(reply.body));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queue(...replies) {
      pending.push(...replies);
    },
    reset() {
      requests.length = 0;
      pending = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

/** "Wed, 21 Oct 2015 07:28:00.050 GMT": RFC 1123 plus milliseconds, which `new Date()` parses. */
function httpDateWithMillis(ms: number): string {
  const d = new Date(ms);
  const millis = String(d.getUTCMilliseconds()).padStart(3, "0");
  return d.toUTCString().replace(" GMT", `.${millis} GMT`);
}
