// A local Entra ID token endpoint and Microsoft Graph (Intune managedDevices) on ONE HTTPS server
// on 127.0.0.1, for tests and benchmarks. The real @azure/msal-node and the real Graph client talk
// to it; its certificate comes from a throwaway CA generated with `openssl` at first use.
//
// Start it, point the client at it, close it:
//   const graph = await startFakeGraph({ pageSize: 2 });
//   graph.url           // "https://127.0.0.1:PORT": both INTUNE_GRAPH_URL and INTUNE_AUTHORITY_URL
//   graph.tenantId / graph.clientId / graph.clientSecret   // the credentials it accepts
//   graph.ca / graph.caPath   // the test CA (PEM text / file): pass `ca` in-process, or
//                             // NODE_EXTRA_CA_CERTS=graph.caPath to a child process
//   graph.env()         // { INTUNE_TENANT_ID, INTUNE_CLIENT_ID, INTUNE_CLIENT_SECRET, INTUNE_GRAPH_URL,
//                       //   INTUNE_AUTHORITY_URL } pointing at it
//   await graph.close();
// The real client on it, in-process (its CA passed explicitly; production trusts NODE_EXTRA_CA_CERTS):
//   const client = graphClientFor(graph, { log, now, sleep });   // a GraphClient (src/adapters/intune)
// A child process (the CLI, the server) instead gets { ...graph.env(), NODE_EXTRA_CA_CERTS: graph.caPath }
// in its environment; loadConfig(graph.env()).intune is a valid IntuneConfig.
//
// Devices (Graph's managedDevice, v1.0 field names; `deviceType` is served on /beta only):
//   graph.addDevices([managedDevice({ id: "d1", operatingSystem: "Android", ... })])
//   graph.addDevices(Array.from({ length: 5 }, (_, i) => managedDevice({ id: `d${i}` })))
//   graph.updateDevice("d1", { deviceName: "x" }); graph.removeDevice("d1"); graph.devices (the Map)
// Collections page by `pageSize` (default 100, changeable: graph.pageSize = 1000; a smaller `$top`
// wins) with an
// `@odata.nextLink` on graph.url (graph.nextLinkBase = "https://elsewhere.test" scripts a foreign
// one). `$select` is honoured loosely (the named fields plus id). Unknown paths answer 404.
//
// Actions: `POST /{v1.0|beta}/deviceManagement/managedDevices/{id}/resetPasscode` and `/remoteLock`
// answer 204 and are recorded in graph.actions ({ deviceId, action, at }). The action's entry in
// the device's `deviceActionResults` then walks through its script, one step per following GET of
// that device (the last step stays):
//   graph.scriptAction("d1", "resetPasscode", ["pending", "pending", "done"])  // done: a generated
//       passcode (graph.passcodes.get("d1") holds the last one), or { actionState: "done", passcode: "123456" }
//   graph.scriptAction("d1", "remoteLock", ["pending", { actionState: "failed", errorCode: -2016281112 }])
//   states: "pending" | "active" | "done" | "failed" | "notSupported" | "canceled" | "none".
//   Unscripted actions go ["pending", "done"] (a macOS remoteLock done carries a six-digit unlockPin).
//   A POST to an unknown device is a 404 and no action is recorded.
//
// Faults on Graph requests (not the token endpoint), each served once per matching request before
// the token is even checked, in the order added; a string `path` matches as a prefix:
//   graph.fault({ status: 429, retryAfter: "2" })                 // Retry-After seconds or an HTTP date
//   graph.fault({ status: 503, times: 2, method: "GET", path: /managedDevices$/ })
//   graph.fault({ status: 401 })                                  // Graph's InvalidAuthenticationToken
//   graph.fault({ status: 404, code: "ResourceNotFound" })        // any status, Graph's error.code
// graph.expireTokens() makes every access token issued so far invalid (401 until a new one is used).
// graph.tokenLifetimeSeconds (default 3600) is the next tokens' expires_in.
//
// What it saw: graph.tokenRequests (count of successful token grants), graph.requests (every
// request: { method, path, query, authorized }), graph.actions, graph.discoveryRequests.
import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGraphClient, type GraphClientOptions } from "../../src/adapters/intune/graph-client.ts";
import type { GraphClient } from "../../src/adapters/intune/graph-port.ts";
import { createGraphToken } from "../../src/adapters/intune/graph-token.ts";

export type ActionName = "resetPasscode" | "remoteLock";
export type ActionState = "none" | "pending" | "canceled" | "active" | "done" | "failed" | "notSupported";
export type ActionStep =
  | ActionState
  | { actionState: ActionState; passcode?: string; errorCode?: number; unlockPin?: string };

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

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorized: boolean;
}

export type ManagedDevice = Record<string, unknown> & { id: string };

export interface FakeGraphOptions {
  pageSize?: number;
  tokenLifetimeSeconds?: number;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface FakeGraph {
  url: string;
  ca: string;
  caPath: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  pageSize: number;
  tokenLifetimeSeconds: number;
  nextLinkBase: string | null;
  devices: Map<string, ManagedDevice>;
  tokenRequests: number;
  discoveryRequests: string[];
  requests: RecordedRequest[];
  actions: { deviceId: string; action: ActionName; at: Date }[];
  /** The last passcode a scripted resetPasscode reported done with, per device. */
  passcodes: Map<string, string>;
  env(): Record<string, string>;
  addDevices(devices: ManagedDevice[]): void;
  updateDevice(id: string, fields: Record<string, unknown>): void;
  removeDevice(id: string): void;
  scriptAction(deviceId: string, action: ActionName, steps: ActionStep[]): void;
  fault(f: Fault): void;
  expireTokens(): void;
  close(): Promise<void>;
}

/** A managedDevice with plausible v1.0 fields (an Android Enterprise fully managed phone); override any. */
export function managedDevice(fields: Partial<ManagedDevice> & { id: string }): ManagedDevice {
  return {
    deviceName: `Phone ${fields.id}`,
    userPrincipalName: "ana@contoso.example",
    emailAddress: "ana@contoso.example",
    userDisplayName: "Ana",
    userId: "u-ana",
    operatingSystem: "Android",
    osVersion: "14",
    ownerType: "company",
    managedDeviceOwnerType: "company",
    managementAgent: "mdm",
    deviceEnrollmentType: "androidEnterpriseFullyManaged",
    deviceType: "androidEnterprise",
    lastSyncDateTime: new Date().toISOString(),
    enrolledDateTime: "2026-01-01T00:00:00Z",
    serialNumber: `SN-${fields.id}`,
    model: "Pixel 8",
    manufacturer: "Google",
    deviceActionResults: [],
    ...fields,
  };
}

interface ActionRun {
  steps: ActionStep[];
  index: number;
  startedAt: string;
  started: boolean;
}

let tlsMaterial: { ca: string; caPath: string; key: string; cert: string } | undefined;

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost (generated once per process). */
export function testTls(): { ca: string; caPath: string; key: string; cert: string } {
  if (tlsMaterial) return tlsMaterial;
  const dir = mkdtempSync(join(tmpdir(), "latchkey-fake-graph-"));
  const f = (name: string) => join(dir, name);
  const ossl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ossl(
    "req",
    "-x509",
    ...ec,
    "-days",
    "2",
    "-subj",
    "/CN=Latchkey throwaway test CA",
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  ossl("req", ...ec, "-subj", "/CN=127.0.0.1", "-keyout", f("server.key"), "-out", f("server.csr"));
  writeFileSync(
    f("ext.cnf"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  ossl(
    "x509",
    "-req",
    "-in",
    f("server.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    f("server.pem"),
    "-extfile",
    f("ext.cnf"),
  );
  tlsMaterial = {
    ca: readFileSync(f("ca.pem"), "utf8"),
    caPath: f("ca.pem"),
    key: readFileSync(f("server.key"), "utf8"),
    cert: readFileSync(f("server.pem"), "utf8"),
  };
  return tlsMaterial;
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

const DEVICES_PATH =
  /^\/(v1\.0|beta)\/deviceManagement\/managedDevices(?:\/([^/]+))?(?:\/(resetPasscode|remoteLock))?$/;

export async function startFakeGraph(opts: FakeGraphOptions = {}): Promise<FakeGraph> {
  const tls = testTls();
  const faults: (Fault & { left: number })[] = [];
  const tokens = new Map<string, number>(); // access token -> expiry (ms since epoch)
  const runs = new Map<string, Map<ActionName, ActionRun>>();

  const server: Server = createServer({ key: tls.key, cert: tls.cert });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const graph: FakeGraph = {
    url,
    ca: tls.ca,
    caPath: tls.caPath,
    tenantId: opts.tenantId ?? "8e1d3c2a-5b7f-4c1e-9a0d-2f6b4e8c1a37",
    clientId: opts.clientId ?? "5a0c9e7d-1f3b-4d2a-8e6c-9b1f0d3a7c25",
    clientSecret: opts.clientSecret ?? `s3cret~${randomBytes(16).toString("base64url")}`,
    pageSize: opts.pageSize ?? 100,
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 3600,
    nextLinkBase: null,
    devices: new Map(),
    tokenRequests: 0,
    discoveryRequests: [],
    requests: [],
    actions: [],
    passcodes: new Map(),
    env: () => ({
      INTUNE_TENANT_ID: graph.tenantId,
      INTUNE_CLIENT_ID: graph.clientId,
      INTUNE_CLIENT_SECRET: graph.clientSecret,
      INTUNE_GRAPH_URL: url,
      INTUNE_AUTHORITY_URL: url,
    }),
    addDevices(devices) {
      for (const d of devices) graph.devices.set(d.id, d);
    },
    updateDevice(id, fields) {
      const d = graph.devices.get(id);
      if (!d) throw new Error(`fake graph: no device ${id}`);
      graph.devices.set(id, { ...d, ...fields, id });
    },
    removeDevice(id) {
      graph.devices.delete(id);
    },
    scriptAction(deviceId, action, steps) {
      if (steps.length === 0) throw new Error("fake graph: a script needs at least one step");
      const perDevice = runs.get(deviceId) ?? new Map<ActionName, ActionRun>();
      runs.set(deviceId, perDevice);
      perDevice.set(action, { steps, index: -1, startedAt: "", started: false });
    },
    fault(f) {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    expireTokens() {
      tokens.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      "request-id": randomBytes(8).toString("hex"),
      ...headers,
    });
    res.end(text);
  }

  function graphError(
    res: ServerResponse,
    status: number,
    code?: string,
    headers: Record<string, string> = {},
  ) {
    const c = code ?? ERROR_CODES[status] ?? "UnknownError";
    send(res, status, { error: { code: c, message: `fake graph: ${c}`, innerError: {} } }, headers);
  }

  function takeFault(method: string, path: string): Fault | undefined {
    const i = faults.findIndex(
      (f) =>
        (f.method === undefined || f.method === method) &&
        (f.path === undefined || (typeof f.path === "string" ? path.startsWith(f.path) : f.path.test(path))),
    );
    const f = faults[i];
    if (!f) return undefined;
    if (--f.left <= 0) faults.splice(i, 1);
    return f;
  }

  function tokenEndpoint(res: ServerResponse, tenant: string, body: string) {
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

  function openidConfiguration(tenant: string) {
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

  function select(d: ManagedDevice, version: string, query: URLSearchParams): Record<string, unknown> {
    const { deviceType, ...v1 } = d;
    const full: Record<string, unknown> = version === "beta" ? { ...v1, deviceType } : v1;
    const fields = query
      .get("$select")
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (!fields || fields.length === 0) return full;
    return Object.fromEntries(Object.entries(full).filter(([k]) => k === "id" || fields.includes(k)));
  }

  // Each GET of a device moves its scripted actions one step on, then shows where they are.
  function advance(d: ManagedDevice): ManagedDevice {
    const perDevice = runs.get(d.id);
    if (!perDevice) return d;
    const results = [...((d.deviceActionResults as unknown[]) ?? [])];
    for (const [action, run] of perDevice) {
      if (!run.started) continue;
      run.index = Math.min(run.index + 1, run.steps.length - 1);
      const step = run.steps[run.index] ?? "pending";
      const s = typeof step === "string" ? { actionState: step } : step;
      const entry: Record<string, unknown> = {
        "@odata.type": `#microsoft.graph.${action}ActionResult`,
        actionName: action,
        actionState: s.actionState,
        startDateTime: run.startedAt,
        lastUpdatedDateTime: new Date().toISOString(),
      };
      if (action === "resetPasscode") {
        entry.errorCode = s.errorCode ?? 0;
        entry.passcode = null;
        if (s.actionState === "done") {
          const passcode = s.passcode ?? graph.passcodes.get(d.id) ?? String(randomInt(100000, 1000000));
          graph.passcodes.set(d.id, passcode);
          entry.passcode = passcode;
        }
      } else {
        const macos = String(d.operatingSystem).toLowerCase() === "macos";
        entry.unlockPin = s.unlockPin ?? (macos && s.actionState === "done" ? "482913" : null);
        if (s.errorCode !== undefined) entry.errorCode = s.errorCode;
      }
      results.push(entry);
    }
    return { ...d, deviceActionResults: results };
  }

  function graphRoute(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    const m = DEVICES_PATH.exec(path);
    if (!m) return graphError(res, 404, "UnknownPath");
    const [, version = "v1.0", id, action] = m;
    if (req.method === "GET" && !id) {
      const all = [...graph.devices.values()];
      const skip = Number(query.get("$skiptoken") ?? "0");
      const top = Math.min(graph.pageSize, Number(query.get("$top") ?? graph.pageSize) || graph.pageSize);
      const value = all.slice(skip, skip + top).map((d) => select(d, version, query));
      const body: Record<string, unknown> = {
        "@odata.context": `${url}/${version}/$metadata#deviceManagement/managedDevices`,
        value,
      };
      if (skip + top < all.length) {
        const next = new URLSearchParams(query);
        next.set("$skiptoken", String(skip + top));
        body["@odata.nextLink"] =
          `${graph.nextLinkBase ?? url}/${version}/deviceManagement/managedDevices?${next}`;
      }
      return send(res, 200, body);
    }
    const device = id ? graph.devices.get(decodeURIComponent(id)) : undefined;
    if (!device) return graphError(res, 404, "ResourceNotFound");
    if (req.method === "GET" && !action) return send(res, 200, select(advance(device), version, query));
    if (req.method === "POST" && action) {
      const name = action as ActionName;
      graph.actions.push({ deviceId: device.id, action: name, at: new Date() });
      if (name === "resetPasscode") graph.passcodes.delete(device.id); // a new reset, a new passcode
      const perDevice = runs.get(device.id) ?? new Map<ActionName, ActionRun>();
      runs.set(device.id, perDevice);
      const run = perDevice.get(name) ?? {
        steps: ["pending", "done"],
        index: -1,
        startedAt: "",
        started: false,
      };
      perDevice.set(name, { ...run, index: -1, started: true, startedAt: new Date().toISOString() });
      return send(res, 204);
    }
    return graphError(res, 405, "MethodNotAllowed");
  }

  server.on("request", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", url);
      const path = u.pathname;
      const method = req.method ?? "GET";
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const expiry = auth ? tokens.get(auth) : undefined;
      const authorized = expiry !== undefined && expiry > Date.now();
      graph.requests.push({ method, path, query: Object.fromEntries(u.searchParams), authorized });

      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
      if (token && method === "POST")
        return tokenEndpoint(res, token[1] ?? "", Buffer.concat(chunks).toString());
      const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
      if (openid && method === "GET") {
        graph.discoveryRequests.push(path);
        return send(res, 200, openidConfiguration(openid[1] ?? ""));
      }
      if (path === "/common/discovery/instance" && method === "GET") {
        graph.discoveryRequests.push(path);
        const host = u.host;
        return send(res, 200, {
          tenant_discovery_endpoint: `${url}/${graph.tenantId}/v2.0/.well-known/openid-configuration`,
          "api-version": "1.1",
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        });
      }

      const fault = takeFault(method, path);
      if (fault) {
        const headers: Record<string, string> = fault.retryAfter ? { "retry-after": fault.retryAfter } : {};
        if (fault.status === 401) headers["www-authenticate"] = 'Bearer error="invalid_token"';
        return graphError(res, fault.status, fault.code, headers);
      }
      if (!authorized) {
        return graphError(res, 401, "InvalidAuthenticationToken", {
          "www-authenticate": 'Bearer realm="", error="invalid_token"',
        });
      }
      graphRoute(req, res, path, u.searchParams);
    });
  });

  return graph;
}

const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** The real token provider (msal-node) and Graph client, pointed at the fake and trusting its CA. */
export function graphClientFor(
  graph: FakeGraph,
  overrides: Partial<Omit<GraphClientOptions, "token" | "graphUrl" | "ca">> = {},
): GraphClient {
  const token = createGraphToken({
    tenantId: graph.tenantId,
    clientId: graph.clientId,
    clientSecret: graph.clientSecret,
    authorityUrl: graph.url,
    graphUrl: graph.url,
    ca: graph.ca,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  return createGraphClient({ log: quietLog, ...overrides, graphUrl: graph.url, token, ca: graph.ca });
}
