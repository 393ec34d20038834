// The fake Entra ID (test/support/fake-graph.ts): the client-credentials token endpoint, with
// Entra's errors for a wrong tenant, grant, client or secret, and the discovery documents msal-node
// reads before it asks for a token (instance discovery, the tenant's openid-configuration).
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { send } from "./fake-graph-http.ts";

/** What the token endpoint checks and counts on the fake (its FakeGraph). */
export interface TokenIssuer {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  tokenLifetimeSeconds: number;
  tokenRequests: number;
}

/** Grants a token to the right client credentials; `tokens` maps access token -> expiry (ms since epoch). */
export function tokenEndpoint(
  graph: TokenIssuer,
  tokens: Map<string, number>,
  res: ServerResponse,
  tenant: string,
  body: string,
) {
  const form = new URLSearchParams(body);
  if (tenant !== graph.tenantId) {
    send(res, 400, {
      error: "invalid_tenant",
      error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
    });
  } else if (form.get("grant_type") !== "client_credentials" || !form.get("scope")?.endsWith("/.default")) {
    send(res, 400, {
      error: "invalid_request",
      error_description: "AADSTS900144: bad grant_type or scope",
    });
  } else if (form.get("client_id") !== graph.clientId) {
    send(res, 400, {
      error: "unauthorized_client",
      error_description: "AADSTS700016: Application not found.",
    });
  } else if (form.get("client_secret") !== graph.clientSecret) {
    send(res, 401, {
      error: "invalid_client",
      error_description: "AADSTS7000215: Invalid client secret provided.",
      error_codes: [7000215],
    });
  } else {
    graph.tokenRequests += 1;
    const token = `fake-at-${randomBytes(16).toString("hex")}`;
    tokens.set(token, Date.now() + graph.tokenLifetimeSeconds * 1000);
    send(res, 200, {
      token_type: "Bearer",
      expires_in: graph.tokenLifetimeSeconds,
      ext_expires_in: graph.tokenLifetimeSeconds,
      access_token: token,
    });
  }
}

export function openidConfiguration(url: string, tenant: string) {
  const base = `${url}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${url}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${url}/${tenant}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "tid"],
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
  };
}

/** Entra's answer to msal-node's instance discovery, for the fake on `url` reached as `host`. */
export function instanceDiscovery(url: string, tenantId: string, host: string) {
  return {
    tenant_discovery_endpoint: `${url}/${tenantId}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}
