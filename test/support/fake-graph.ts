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
//
// Import everything from here; the parts: fake-graph-entra.ts (the token endpoint and discovery),
// fake-graph-devices.ts (managedDevices and their actions), fake-graph-http.ts (replies, faults),
// fake-graph-tls.ts (the throwaway CA).
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createGraphClient, type GraphClientOptions } from "../../src/adapters/intune/graph-client.ts";
import type { GraphClient } from "../../src/adapters/intune/graph-port.ts";
import { createGraphToken } from "../../src/adapters/intune/graph-token.ts";
import {
  type ActionName,
  type ActionRun,
  type ActionRuns,
  type ActionStep,
  type ManagedDevice,
  managedDevicesRoute,
} from "./fake-graph-devices.ts";
import { instanceDiscovery, openidConfiguration, tokenEndpoint } from "./fake-graph-entra.ts";
import { type Fault, faultQueue, graphError, send } from "./fake-graph-http.ts";
import { testTls } from "./fake-graph-tls.ts";

export {
  type ActionName,
  type ActionState,
  type ActionStep,
  type ManagedDevice,
  managedDevice,
} from "./fake-graph-devices.ts";
export type { Fault } from "./fake-graph-http.ts";
export { testTls } from "./fake-graph-tls.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorized: boolean;
}

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

export async function startFakeGraph(opts: FakeGraphOptions = {}): Promise<FakeGraph> {
  const tls = testTls();
  const faults = faultQueue();
  const tokens = new Map<string, number>(); // access token -> expiry (ms since epoch)
  const runs: ActionRuns = new Map();

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
      faults.add(f);
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

  const graphRoute = managedDevicesRoute(graph, runs);

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
        return tokenEndpoint(graph, tokens, res, token[1] ?? "", Buffer.concat(chunks).toString());
      const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
      if (openid && method === "GET") {
        graph.discoveryRequests.push(path);
        return send(res, 200, openidConfiguration(url, openid[1] ?? ""));
      }
      if (path === "/common/discovery/instance" && method === "GET") {
        graph.discoveryRequests.push(path);
        return send(res, 200, instanceDiscovery(url, graph.tenantId, u.host));
      }

      const fault = faults.take(method, path);
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
