// Chat API errors and retries reach /metrics: Slack through the real Web API client against the
// fake Slack Web API (a 503 retried, a platform error that stays), Teams through the real Bot
// Connector transport against a local server (a 429 retried, a 403 that stays).
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/adapters/metrics/metrics.ts";
import { createConnectorTransport } from "../../src/adapters/teams/connector-transport.ts";
import { createWindowGate } from "../../src/adapters/teams/window-gate.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { useSlackHarness } from "../support/slack-harness.ts";
import { metric, parsePrometheus, scrape } from "./prometheus-text.ts";

async function until(what: string, fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Slack Web API errors and retries in /metrics", () => {
  const h = useSlackHarness({ TEAMS_ENABLED: "false" });

  it("counts a retried 503 and a call that failed for good, by method and code", async () => {
    h.fake.fail("chat.postMessage", { status: 503 }, 1);
    h.fake.fail("chat.update", { error: "cant_update_message" }, 1000);
    const started = await startReset(h.running.core.engine, {
      actorEmail: "ada.admin@example.com",
      deviceId: "demo-pixel-8-owner",
      notifyUser: false,
      surface: "slack",
      threads: [{ surface: "slack", purpose: "requester", conversation: "C0OPSROOM" }],
    });
    expect(started.status).toBe("started");
    const id = started.status === "started" ? started.request.id : "";
    await until("the device to lock", async () => {
      const r = await h.running.core.engine.stores.requests.get(id);
      return r?.state === "locked" || r?.state === "completed";
    });
    await until("a status update to have failed", async () => h.fake.callsTo("chat.update").length > 0);

    const samples = (await scrape(h.running.metricsUrl ?? "")).samples;
    expect(
      metric(samples, "latchkey_chat_api_retries_total", { platform: "slack", reason: "http_503" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metric(samples, "latchkey_chat_api_errors_total", {
        platform: "slack",
        operation: "chat.update",
        code: "cant_update_message",
      }),
    ).toBeGreaterThanOrEqual(1);
    // The failed update was logged with the request it was for.
    const failed = h.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === "chat thread update failed; the sweep retries");
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((l) => l.requestId === id)).toBe(true);
  });
});

describe("Bot Connector errors and retries in metrics", () => {
  let server: Server;
  let base: string;
  let posts = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.method === "POST" && posts++ === 0) {
        res.writeHead(429, { "retry-after": "0" }).end();
        return;
      }
      if (req.method === "PUT") {
        res
          .writeHead(403, { "content-type": "application/json" })
          .end('{"error":{"code":"BotNotInConversationRoster"}}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"id":"1"}');
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it("counts the retried 429 and the 403 by operation, ids taken out", async () => {
    const metrics = createMetrics(null as never, { defaultMetrics: false });
    const quick = { retries: 2, minDelayMs: 1, maxDelayMs: 5, budgetMs: 2000, attemptTimeoutMs: 2000 };
    const log = { debug() {}, info() {}, warn() {}, error() {} };
    const transport = createConnectorTransport({
      retries: { turn: quick, background: quick },
      gate: createWindowGate([]),
      log,
      observer: metrics.chatApi("teams"),
    });
    const call = (method: string, path: string) =>
      transport.background.sendRequest({
        url: `${base}${path}`,
        method,
        headers: { headersArray: () => [] },
        body: "{}",
      });

    const posted = await call("POST", "/v3/conversations/19%3Aabc%40thread.tacv2/activities");
    expect(posted.status).toBe(200);
    await expect(call("PUT", "/v3/conversations/a%3A1xyz/activities/1699")).rejects.toThrow(/HTTP 403/);

    const text = await metrics.registry.metrics();
    const samples = parsePrometheus(text);
    expect(
      metric(samples, "latchkey_chat_api_retries_total", {
        platform: "teams",
        operation: "POST /v3/conversations/:id/activities",
        reason: "http_429",
      }),
    ).toBe(1);
    expect(
      metric(samples, "latchkey_chat_api_errors_total", {
        platform: "teams",
        operation: "PUT /v3/conversations/:id/activities/:id",
        code: "http_403",
      }),
    ).toBe(1);
    expect(text).not.toContain("19:abc");
  });
});
