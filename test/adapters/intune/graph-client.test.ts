// The real Graph client and the real msal-node against the local Graph and Entra stand-in
// (HTTPS with a throwaway CA). Waits go through an injected clock: nothing here really sleeps.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGraphClient, type GraphClientOptions } from "../../../src/adapters/intune/graph-client.ts";
import { GraphError } from "../../../src/adapters/intune/graph-port.ts";
import type { Logger } from "../../../src/core/ports.ts";
import { type FakeGraph, graphClientFor, managedDevice, startFakeGraph } from "../../support/fake-graph.ts";

const DEVICES = "/v1.0/deviceManagement/managedDevices";
let graph: FakeGraph;
const logLines: string[] = [];
const log: Logger = (() => {
  const put = (fields: Record<string, unknown>, msg: string) =>
    logLines.push(`${msg} ${JSON.stringify(fields)}`);
  return { debug: put, info: put, warn: put, error: put };
})();

beforeAll(async () => {
  graph = await startFakeGraph({ pageSize: 2 });
  graph.addDevices(["d1", "d2", "d3", "d4", "d5"].map((id) => managedDevice({ id })));
});
afterAll(() => graph.close());
beforeEach(() => {
  graph.pageSize = 2;
  graph.nextLinkBase = null;
});

/** A client on an injected clock whose sleeps only move that clock (and are recorded). */
function clientWithClock(overrides: Partial<GraphClientOptions> = {}) {
  const clock = { t: Date.parse("2026-12-01T09:00:00Z"), sleeps: [] as number[] };
  const client = graphClientFor(graph, {
    log,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
    ...overrides,
  });
  return { client, clock };
}

async function allPages<T>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const pages: T[][] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

describe("Graph client", () => {
  it("reads a collection across three pages, following @odata.nextLink", async () => {
    const { client } = clientWithClock();
    const before = graph.requests.length;
    const pages = await allPages(
      client.pages<{ id: string; deviceName: string }>(`${DEVICES}?$select=id,deviceName`),
    );
    expect(pages.map((p) => p.map((d) => d.id))).toEqual([["d1", "d2"], ["d3", "d4"], ["d5"]]);
    const followed = graph.requests.slice(before).filter((r) => r.path === DEVICES);
    expect(followed.map((r) => r.query.$skiptoken)).toEqual([undefined, "2", "4"]);
    expect(followed.every((r) => r.query.$select === "id,deviceName" && r.authorized)).toBe(true);
  });

  it("waits as a 429's Retry-After says (seconds, then an HTTP date) and then succeeds", async () => {
    const { client, clock } = clientWithClock();
    graph.fault({ status: 429, retryAfter: "3", path: `${DEVICES}/d1` });
    expect(await client.get<{ id: string }>(`${DEVICES}/d1`)).toMatchObject({ id: "d1" });
    expect(clock.sleeps).toEqual([3000]);

    graph.fault({ status: 429, retryAfter: new Date(clock.t + 7000).toUTCString(), path: `${DEVICES}/d2` });
    expect(await client.get<{ id: string }>(`${DEVICES}/d2`)).toMatchObject({ id: "d2" });
    expect(clock.sleeps).toEqual([3000, 7000]);
  });

  it("backs off with jitter on 503 twice, then succeeds", async () => {
    const { client, clock } = clientWithClock({ random: () => 0.5 });
    graph.fault({ status: 503, times: 2, path: `${DEVICES}/d3` });
    expect(await client.get<{ id: string }>(`${DEVICES}/d3`)).toMatchObject({ id: "d3" });
    expect(clock.sleeps).toEqual([375, 750]); // 500 ms then 1 s ceilings, each at 75 % with this jitter
  });

  it("gives up after its attempts with a GraphError carrying the status", async () => {
    const { client, clock } = clientWithClock({ maxAttempts: 3 });
    graph.fault({ status: 503, times: 3, path: `${DEVICES}/d4` });
    const err = await client.get(`${DEVICES}/d4`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ status: 503, code: "ServiceUnavailable" });
    expect(clock.sleeps).toHaveLength(2);
  });

  it("fetches a new token once when the token expires mid-way through a paged read", async () => {
    const { client } = clientWithClock();
    const tokensBefore = graph.tokenRequests;
    const ids: string[] = [];
    for await (const page of client.pages<{ id: string }>(DEVICES)) {
      ids.push(...page.map((d) => d.id));
      if (ids.length === 2) graph.expireTokens();
    }
    expect(ids).toEqual(["d1", "d2", "d3", "d4", "d5"]);
    expect(graph.tokenRequests - tokensBefore).toBe(2);
  });

  it("refreshes only once: a 401 that persists is a GraphError", async () => {
    const { client } = clientWithClock();
    graph.fault({ status: 401, times: 2, path: `${DEVICES}/d5` });
    await client.get(`${DEVICES}/d5`).catch(() => {}); // a fresh client's first token
    const tokensBefore = graph.tokenRequests;
    graph.fault({ status: 401, times: 2, path: `${DEVICES}/d5` });
    await expect(client.get(`${DEVICES}/d5`)).rejects.toMatchObject({
      status: 401,
      code: "InvalidAuthenticationToken",
    });
    expect(graph.tokenRequests - tokensBefore).toBe(1);
  });

  it("keeps writes under 100 per 20 s: the 101st post in a window waits for the window", async () => {
    const { client, clock } = clientWithClock();
    const before = graph.actions.length;
    for (let i = 0; i < 100; i++) await client.post(`${DEVICES}/d1/remoteLock`);
    expect(clock.sleeps).toEqual([]);
    clock.t += 5000;
    expect(await client.post(`${DEVICES}/d1/remoteLock`)).toEqual({ status: 204 });
    expect(clock.sleeps).toEqual([15_000]);
    expect(graph.actions.length - before).toBe(101);
  });

  it("does not repeat a write Graph may have acted on (500), but does after a 429", async () => {
    const { client, clock } = clientWithClock();
    const posts = () =>
      graph.requests.filter((r) => r.method === "POST" && r.path.startsWith("/v1.0/")).length;
    let before = posts();
    graph.fault({ status: 500, method: "POST" });
    await expect(client.post(`${DEVICES}/d2/resetPasscode`)).rejects.toMatchObject({ status: 500 });
    expect(posts() - before).toBe(1);

    before = posts();
    graph.fault({ status: 429, retryAfter: "1", method: "POST" });
    expect(await client.post(`${DEVICES}/d2/resetPasscode`)).toEqual({ status: 204 });
    expect(posts() - before).toBe(2);
    expect(clock.sleeps).toEqual([1000]);
  });

  it("turns a 404 into a GraphError with Graph's code and no token in its message", async () => {
    const { client } = clientWithClock();
    const err = await client.get(`${DEVICES}/nope`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ status: 404, code: "ResourceNotFound" });
    expect((err as Error).message).toContain(`GET ${DEVICES}/nope`);
    expect((err as Error).message).not.toMatch(/fake-at-|Bearer/);
    expect(logLines.join("\n")).not.toMatch(/fake-at-|Bearer|s3cret/);
  });

  it("refuses an @odata.nextLink to another origin", async () => {
    const { client } = clientWithClock();
    graph.nextLinkBase = "https://elsewhere.example";
    const seen: string[] = [];
    const read = async () => {
      for await (const page of client.pages<{ id: string }>(DEVICES)) seen.push(...page.map((d) => d.id));
    };
    await expect(read()).rejects.toThrow(/refusing to follow @odata.nextLink to https:\/\/elsewhere.example/);
    expect(seen).toEqual(["d1", "d2"]);
  });

  it("retries a GET when nothing answers, then says so plainly", async () => {
    const sleeps: number[] = [];
    const client = createGraphClient({
      graphUrl: "https://127.0.0.1:1", // nothing listens there
      token: { get: async () => "unused" },
      log,
      maxAttempts: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await expect(client.get(DEVICES)).rejects.toThrow(/Microsoft Graph did not answer GET .*ECONNREFUSED/);
    expect(sleeps).toHaveLength(2);
  });

  it("refuses a plain-http Graph URL", () => {
    const token = { get: async () => "unused" };
    expect(() => createGraphClient({ graphUrl: "http://127.0.0.1:1", token, log })).toThrow(/https/);
  });
});

describe("NODE_EXTRA_CA_CERTS (a private CA, read at process start)", () => {
  const run = promisify(execFile);
  const child = async (extraCa: string | undefined) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...graph.env(),
      NODE_EXTRA_CA_CERTS: extraCa,
    };
    if (extraCa === undefined) delete env.NODE_EXTRA_CA_CERTS;
    const { stdout } = await run(process.execPath, ["--import", "tsx", "test/support/graph-child.ts"], {
      env,
      cwd: process.cwd(),
      timeout: 20_000,
    });
    return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as {
      ok: boolean;
      ids?: string[];
      error?: string;
    };
  };

  it("lets the production path (msal's token request and the Graph client) trust the test CA", async () => {
    const before = graph.actions.length;
    expect(await child(graph.caPath)).toEqual({
      ok: true,
      ids: ["d1", "d2", "d3", "d4", "d5"],
      lockStatus: 204,
    });
    expect(graph.actions.slice(before)).toMatchObject([{ deviceId: "d1", action: "remoteLock" }]);
  });

  it("fails without it: the certificate is not trusted", async () => {
    const result = await child(undefined);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Could not reach the Entra ID authority .* certificate is not trusted/);
  });
});
