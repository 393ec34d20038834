// The real @azure/msal-node against the local Entra stand-in (HTTPS, a throwaway CA).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGraphToken, GraphTokenError } from "../../../src/adapters/intune/graph-token.ts";
import type { Logger } from "../../../src/core/ports.ts";
import { type FakeGraph, startFakeGraph } from "../../support/fake-graph.ts";

let graph: FakeGraph;
beforeAll(async () => {
  graph = await startFakeGraph();
});
afterAll(() => graph.close());

function recordingLog(lines: string[]): Logger {
  const put = (fields: Record<string, unknown>, msg: string) =>
    lines.push(`${msg} ${JSON.stringify(fields)}`);
  return { debug: put, info: put, warn: put, error: put };
}

function tokenFor(overrides: { clientSecret?: string; now?: () => number; log?: Logger } = {}) {
  return createGraphToken({
    tenantId: graph.tenantId,
    clientId: graph.clientId,
    clientSecret: overrides.clientSecret ?? graph.clientSecret,
    authorityUrl: graph.url,
    graphUrl: graph.url,
    ca: graph.ca,
    ...(overrides.now ? { now: overrides.now } : {}),
    ...(overrides.log ? { log: overrides.log } : {}),
  });
}

describe("Graph token by client credentials", () => {
  it("serves many calls with one token and fetches a new one once it is due", async () => {
    let t = Date.parse("2026-12-01T09:00:00Z");
    const before = graph.tokenRequests;
    const token = tokenFor({ now: () => t });
    const first = await token.get();
    const again = await Promise.all(Array.from({ length: 10 }, () => token.get()));
    expect(new Set(again)).toEqual(new Set([first]));
    expect(graph.tokenRequests - before).toBe(1);

    t += 59 * 60_000; // within the last two minutes of its hour: due for renewal
    const renewed = await token.get();
    expect(renewed).not.toBe(first);
    expect(graph.tokenRequests - before).toBe(2);
    expect(await token.get()).toBe(renewed);
    expect(graph.tokenRequests - before).toBe(2);
  });

  it("fetches a new token when asked to (Graph refused the last one), once for concurrent callers", async () => {
    const token = tokenFor();
    const first = await token.get();
    const before = graph.tokenRequests;
    const [a, b] = await Promise.all([token.get({ forceRefresh: true }), token.get({ forceRefresh: true })]);
    expect(a).toBe(b);
    expect(a).not.toBe(first);
    expect(graph.tokenRequests - before).toBe(1);
  });

  it("discovers the authority from its own host: no instance discovery at Microsoft", async () => {
    await tokenFor().get();
    expect(graph.discoveryRequests).toContain(`/${graph.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(graph.discoveryRequests).not.toContain("/common/discovery/instance");
    const tokenCalls = graph.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token"));
    expect(tokenCalls.every((r) => r.path === `/${graph.tenantId}/oauth2/v2.0/token`)).toBe(true);
  });

  it("names Entra's refusal of a wrong secret without showing the secret, in the error or the log", async () => {
    const wrong = "wr0ng-Secret-value-123";
    const lines: string[] = [];
    const err = await tokenFor({ clientSecret: wrong, log: recordingLog(lines) })
      .get()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphTokenError);
    expect((err as Error).message).toMatch(/invalid_client/);
    expect((err as Error).message).toMatch(/AADSTS7000215/);
    expect(`${(err as Error).message} ${(err as Error).stack} ${lines.join("\n")}`).not.toContain(wrong);
  });

  it("refuses a plain-http authority", () => {
    expect(() =>
      createGraphToken({
        tenantId: "t",
        clientId: "c",
        clientSecret: "s",
        authorityUrl: "http://127.0.0.1:1",
        graphUrl: graph.url,
      }),
    ).toThrow(/https/);
  });
});
