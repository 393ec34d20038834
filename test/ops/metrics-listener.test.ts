// /metrics is not for whoever reaches the main port: it has its own listener (METRICS_PORT,
// loopback by default), and is on the main port only behind METRICS_TOKEN (a bearer token).
// /readyz answers a stranger nothing but its verdict. And every node:http server Latchkey starts
// has its timeouts and limits set deliberately.
import { afterEach, describe, expect, it } from "vitest";
import {
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  MAX_HEADERS_COUNT,
  REQUEST_TIMEOUT_MS,
} from "../../src/http/server-limits.ts";
import { type Embedded, startEmbedded } from "../support/embedded.ts";

let lk: Embedded | undefined;
afterEach(async () => {
  await lk?.stop();
  lk = undefined;
});

const TOKEN = "metrics-token-0123456789abcdef";

describe("/metrics", () => {
  it("is served on its own loopback listener, and the main port answers 404", async () => {
    lk = await startEmbedded("metrics-own", { TEAMS_ENABLED: "false" }, () => ({}));
    const { url, metricsUrl } = lk.running;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).not.toBe(url);
    const own = await fetch(`${metricsUrl}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain("latchkey_database_up 1");
    const main = await fetch(`${url}/metrics`);
    expect(main.status).toBe(404);
    expect(await main.text()).not.toContain("latchkey_");
  });

  it("is on the main port too with METRICS_TOKEN, only for Authorization: Bearer <token>", async () => {
    lk = await startEmbedded("metrics-token", { TEAMS_ENABLED: "false", METRICS_TOKEN: TOKEN }, () => ({}));
    const { url, metricsUrl } = lk.running;
    const get = (base: string, auth?: string) =>
      fetch(`${base}/metrics`, auth ? { headers: { authorization: auth } } : {});
    for (const base of [url, metricsUrl ?? ""]) {
      expect((await get(base)).status).toBe(401);
      expect((await get(base, `Bearer ${TOKEN}x`)).status).toBe(401);
      expect((await get(base, `Basic ${TOKEN}`)).status).toBe(401);
      const ok = await get(base, `Bearer ${TOKEN}`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("latchkey_database_up");
    }
  });

  it("has no listener with METRICS_PORT=off", async () => {
    lk = await startEmbedded("metrics-off", { TEAMS_ENABLED: "false", METRICS_PORT: "off" }, () => ({}));
    expect(lk.running.metricsUrl).toBeNull();
    expect((await fetch(`${lk.running.url}/metrics`)).status).toBe(404);
  });
});

describe("/readyz and the servers' limits", () => {
  it("/readyz says only 'ready', and both servers carry Latchkey's timeouts and limits", async () => {
    lk = await startEmbedded("server-limits", { TEAMS_ENABLED: "false" }, () => ({}));
    const ready = await fetch(`${lk.running.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe("ready\n");
    const servers = [lk.running.server, lk.running.metricsServer];
    for (const server of servers) {
      expect(server).not.toBeNull();
      expect(server?.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
      expect(server?.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
      expect(server?.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
      expect(server?.maxHeadersCount).toBe(MAX_HEADERS_COUNT);
      expect(server?.maxConnections).toBe(MAX_CONNECTIONS);
    }
    // Chosen, not node's defaults (60 s, 300 s, 5 s, 2000 headers, unlimited connections).
    expect(HEADERS_TIMEOUT_MS).toBeLessThan(60_000);
    expect(REQUEST_TIMEOUT_MS).toBeLessThan(300_000);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(MAX_HEADERS_COUNT).toBeLessThan(2000);
    // A header block past the limit is refused (431) before any handler runs.
    const huge = await fetch(`${lk.running.url}/healthz`, { headers: { "x-big": "a".repeat(20_000) } });
    expect(huge.status).toBe(431);
  });
});
