// The router's own log lines name the HTTP call (the X-Request-Id it answers with) and, on a path
// naming a reset request, that request: for its JSON routes and for the raw mounts (Slack, Teams)
// alike, since nothing carries these fields implicitly (logger.ts).
import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { createRouter, HttpError } from "../../src/http/router.ts";

describe("router log lines", () => {
  const lines: Record<string, unknown>[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        cb();
      },
    });
    const log = createLogger("debug", sink);
    const router = createRouter(
      [
        {
          method: "POST",
          path: "/device/v1/commands/:requestId/reports",
          handler: async (req) => ({ status: 200, body: { echoed: req.requestId } }),
        },
        {
          method: "GET",
          path: "/broken/:requestId",
          handler: async () => {
            throw new HttpError(409, "conflict");
          },
        },
        {
          method: "GET",
          path: "/crash",
          handler: async () => {
            throw new Error("boom");
          },
        },
      ],
      log,
      { raw: [{ prefix: "/slack/events", listener: (_req, res) => void res.writeHead(200).end() }] },
    );
    server = createServer(router);
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  const call = (method: string, path: string, id: string) =>
    fetch(`${base}${path}`, { method, headers: { "x-request-id": id, "content-type": "application/json" } });
  const about = (id: string) => lines.filter((l) => l.httpRequestId === id);

  it("names the call and the reset request on a JSON route's line, and hands the handler the same id", async () => {
    const res = await call("POST", "/device/v1/commands/rq_0a1b/reports", "lb-1");
    expect(res.headers.get("x-request-id")).toBe("lb-1");
    expect(await res.json()).toEqual({ echoed: "lb-1" });
    expect(about("lb-1")).toEqual([
      expect.objectContaining({ msg: "http request", requestId: "rq_0a1b", method: "POST" }),
    ]);
  });

  it("names the call on a raw mount's line (Slack and Teams requests), with no reset request", async () => {
    const res = await call("POST", "/slack/events", "lb-2");
    expect(res.status).toBe(200);
    expect(about("lb-2")).toEqual([
      expect.objectContaining({ msg: "http request", path: "/slack/events", method: "POST" }),
    ]);
    expect(about("lb-2")[0]).not.toHaveProperty("requestId");
  });

  it("names the call on the line of a handler that failed, and keeps its message out of the answer", async () => {
    const res = await call("GET", "/crash", "lb-3");
    expect(res.status).toBe(500);
    expect(JSON.stringify(await res.json())).not.toContain("boom");
    expect(about("lb-3").map((l) => l.msg)).toEqual(["http request", "request failed"]);
    expect(about("lb-3")[1]).toMatchObject({ path: "/crash", err: "boom", level: 50 });
    // An HttpError is the caller's mistake: answered as it says, no error line.
    expect((await call("GET", "/broken/rq_9", "lb-4")).status).toBe(409);
    expect(about("lb-4").map((l) => [l.msg, l.requestId])).toEqual([["http request", "rq_9"]]);
  });
});
