// One HTTPS exchange on node:https, for the Graph client (and, in tests, msal's network module).
// Certificates are checked against Node's default store, which includes NODE_EXTRA_CA_CERTS (read
// at process start): that is how a private CA or a test server is trusted in production. `ca`
// replaces the store for in-process tests only.
import { request } from "node:https";

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpsOptions {
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** PEM certificates to trust instead of the default store (tests only). */
  ca?: string;
  timeoutMs?: number;
}

/**
 * A network failure, and whether the request may have reached the server: `sent` false means
 * the connection never carried it (refused, unknown host, TLS failure), so even a write can be retried.
 */
export class NetworkError extends Error {
  override name = "NetworkError";
  constructor(
    message: string,
    readonly sent: boolean,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function httpsRequest(url: URL, opts: HttpsOptions): Promise<HttpsAnswer> {
  if (url.protocol !== "https:") return Promise.reject(new Error(`refusing a non-https URL (${url.origin})`));
  return new Promise((resolve, reject) => {
    let connected = false;
    const req = request(
      url,
      {
        method: opts.method,
        headers: {
          ...opts.headers,
          ...(opts.body !== undefined ? { "content-length": String(Buffer.byteLength(opts.body)) } : {}),
        },
        ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          // A Graph page is a few MB at most: anything far larger is not Graph.
          if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on("error", (e) => reject(new NetworkError(`response broken off: ${e.message}`, true)));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") });
        });
      },
    );
    // The request's bytes go out only once TLS is up (or on a kept-alive socket already up).
    req.on("socket", (socket) => {
      if (req.reusedSocket) connected = true;
      else socket.once("secureConnect", () => (connected = true));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.on("error", (e: NodeJS.ErrnoException) => {
      reject(new NetworkError(`${url.host}: ${e.code ?? "error"} ${e.message}`.trim(), connected));
    });
    req.end(opts.body);
  });
}
