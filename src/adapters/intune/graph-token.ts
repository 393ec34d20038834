// Graph access tokens by client credentials through Microsoft's own library (@azure/msal-node).
// We keep the token ourselves until shortly before it expires (on an injectable clock) and ask
// msal past its cache when it is due or when Graph said 401, so one token serves many calls and a
// token that expired mid-flight is replaced once. The client secret appears in no log or error.
import { ConfidentialClientApplication, type INetworkModule, LogLevel } from "@azure/msal-node";
import type { Logger } from "../../core/ports.ts";
import { httpsRequest } from "./https-request.ts";

export interface GraphTokenOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** INTUNE_AUTHORITY_URL, e.g. https://login.microsoftonline.com (https only). */
  authorityUrl: string;
  /** INTUNE_GRAPH_URL: the scope is `${graphUrl}/.default`. */
  graphUrl: string;
  log?: Logger;
  /** Milliseconds since the epoch (tests move it past a token's expiry). */
  now?: () => number;
  /** Renew this long before the token expires. Default 2 minutes. */
  renewBeforeMs?: number;
  /** PEM certificates to trust for the authority, in-process tests only (production: NODE_EXTRA_CA_CERTS). */
  ca?: string;
}

export interface GraphToken {
  /** A valid access token; `forceRefresh` after Graph refused the last one. */
  get(opts?: { forceRefresh?: boolean }): Promise<string>;
}

/** Something went wrong getting a token: a plain message (Entra's code and AADSTS text), no secret. */
export class GraphTokenError extends Error {
  override name = "GraphTokenError";
}

export function createGraphToken(opts: GraphTokenOptions): GraphToken {
  const authority = new URL(`${opts.authorityUrl.replace(/\/$/, "")}/${encodeURIComponent(opts.tenantId)}`);
  if (authority.protocol !== "https:") throw new Error("the Intune authority URL must be https");
  const scope = `${opts.graphUrl.replace(/\/$/, "")}/.default`;
  const now = opts.now ?? Date.now;
  const renewBeforeMs = opts.renewBeforeMs ?? 120_000;
  const redact = (text: string) => text.split(opts.clientSecret).join("[redacted]");

  const app = new ConfidentialClientApplication({
    auth: {
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      authority: authority.href,
      // Trust the configured host as an authority as it is: no instance discovery call to
      // login.microsoftonline.com (national clouds, a private stand-in). Its endpoints come from
      // its own /v2.0/.well-known/openid-configuration (or msal's built-in table for Microsoft's).
      knownAuthorities: [authority.host],
    },
    system: {
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message) => {
          if (level > LogLevel.Warning) return;
          // msal warns "No client info in response" for every client-credentials token: no news.
          const noise = message.includes("No client info in response");
          (noise ? opts.log?.debug : opts.log?.warn)?.call(opts.log, { source: "msal" }, redact(message));
        },
      },
      ...(opts.ca !== undefined ? { networkClient: networkWithCa(opts.ca) } : {}),
    },
  });

  let cached: { token: string; renewAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    const requestedAt = now();
    let result: Awaited<ReturnType<typeof app.acquireTokenByClientCredential>>;
    try {
      // skipCache: our own cache decides when a token is due; msal's would follow the real clock.
      result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: true });
    } catch (e) {
      throw new GraphTokenError(redact(describe(e, authority.href)));
    }
    if (!result?.accessToken) throw new GraphTokenError("Entra ID returned no access token");
    const lifetimeMs = result.expiresOn ? result.expiresOn.getTime() - Date.now() : 0;
    cached = { token: result.accessToken, renewAt: requestedAt + Math.max(0, lifetimeMs - renewBeforeMs) };
    opts.log?.debug({ expiresInS: Math.round(lifetimeMs / 1000) }, "Got a Microsoft Graph token");
    return result.accessToken;
  }

  return {
    async get({ forceRefresh = false } = {}) {
      if (!forceRefresh && cached && now() < cached.renewAt) return cached.token;
      if (forceRefresh) cached = null;
      inFlight ??= fetchToken().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
  };
}

function describe(e: unknown, authority: string): string {
  const err = e as { errorCode?: string; errorMessage?: string; message?: string };
  // msal swallows why the authority's metadata could not be read: say where to look.
  if (err.errorCode === "endpoints_resolution_error") {
    return `Could not reach the Entra ID authority ${authority} (its /v2.0/.well-known/openid-configuration): unreachable, or its certificate is not trusted (a private CA goes in NODE_EXTRA_CA_CERTS)`;
  }
  const code = err.errorCode ? `${err.errorCode}: ` : "";
  // Entra's description carries "Trace ID … Correlation ID … Timestamp" lines: keep the first.
  const text = (err.errorMessage || err.message || String(e)).split(/\r?\n/)[0]?.slice(0, 300) ?? "";
  return `Could not get a Microsoft Graph token from Entra ID (${code}${text})`;
}

/** msal's network module on node:https with an explicit CA (in-process tests). */
function networkWithCa(ca: string): INetworkModule {
  const send = async <T>(
    method: "GET" | "POST",
    url: string,
    headers?: Record<string, string>,
    body?: string,
  ) => {
    const a = await httpsRequest(new URL(url), {
      method,
      ca,
      ...(headers ? { headers } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    return { headers: a.headers, body: JSON.parse(a.body || "{}") as T, status: a.status };
  };
  return {
    sendGetRequestAsync: (url, options) => send("GET", url, options?.headers),
    sendPostRequestAsync: (url, options) => send("POST", url, options?.headers, options?.body ?? ""),
  };
}
