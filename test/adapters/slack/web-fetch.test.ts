// The transport under Slack's WebClient (src/adapters/slack/web-fetch.ts), driven through the real
// WebClient against local servers: the fake Slack Web API, and small servers that misbehave the
// ways the internet does (gzip, redirects, silence, 429s, a kept-alive connection closed under a
// request) plus one over TLS.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebFetch, type WebFetch } from "../../../src/adapters/slack/web-fetch.ts";
import { type FakeSlack, startFakeSlack } from "../../fakes/fake-slack-api.ts";

type Handle = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: Server[] = [];
const transports: WebFetch[] = [];

async function serve(
  handle: Handle,
  make: (l: (req: IncomingMessage, res: ServerResponse) => void) => Server = createHttpServer,
) {
  const server = make((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => handle(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return server;
}
const base = (server: Server, scheme = "http") =>
  `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;

function client(apiUrl: string, o: Partial<webApi.WebClientOptions> = {}, tls?: { ca: Buffer }) {
  const transport = createWebFetch(tls ? { tls } : {});
  transports.push(transport);
  return new webApi.WebClient("xoxb-transport", {
    slackApiUrl: apiUrl,
    fetch: transport.fetch,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
    ...o,
  });
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
};

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack({
    users: [{ id: "UADA", name: "ada", realName: "Ada Admin", email: "ada@example.com" }],
  });
});
afterAll(async () => {
  for (const t of transports) t.close();
  for (const s of servers) {
    s.closeAllConnections?.();
    await new Promise((ok) => s.close(ok));
  }
  await fake?.close();
});

describe("the Web API transport", () => {
  it("carries the WebClient's calls to the Web API: token, form body, JSON answer", async () => {
    const slack = client(fake.apiUrl);
    const posted = await slack.chat.postMessage({
      channel: "C0WEB",
      text: "hello",
      blocks: [{ type: "divider" }],
    });
    expect(posted.ok).toBe(true);
    const call = fake.callsTo("chat.postMessage").at(-1);
    expect(call?.token).toBe("xoxb-transport");
    expect(call?.args).toMatchObject({ channel: "C0WEB", text: "hello", blocks: [{ type: "divider" }] });
    const user = await slack.users.info({ user: "UADA" });
    expect(user.user?.profile?.email).toBe("ada@example.com");
    // A Slack error is an answer like any other: the WebClient turns it into its platform error.
    await expect(slack.users.info({ user: "U0NOBODY" })).rejects.toMatchObject({
      code: "slack_webapi_platform_error",
      data: { error: "user_not_found" },
    });
  });

  it("reads a gzip-encoded answer", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(JSON.stringify({ ok: true, team: "zipped" })));
    });
    expect(await client(base(server)).auth.test()).toMatchObject({ ok: true, team: "zipped" });
  });

  it("refuses a redirect rather than following it with the token", async () => {
    let followed = 0;
    const server = await serve((req, res) => {
      if (req.url?.includes("elsewhere")) {
        followed++;
        return json(res, 200, { ok: true });
      }
      res.writeHead(302, { location: "/elsewhere" });
      res.end();
    });
    await expect(client(base(server)).auth.test()).rejects.toMatchObject({
      code: "slack_webapi_request_error",
    });
    expect(followed).toBe(0);
  });

  it("gives up on a silent server at the WebClient's timeout", async () => {
    const server = await serve(() => {});
    const started = Date.now();
    await expect(client(base(server), { timeout: 300 }).auth.test()).rejects.toMatchObject({
      code: "slack_webapi_request_error",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("hands a 429's Retry-After to the WebClient", async () => {
    const server = await serve((_req, res) =>
      json(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": "7" }),
    );
    await expect(client(base(server), { rejectRateLimitedCalls: true }).auth.test()).rejects.toMatchObject({
      code: "slack_webapi_rate_limited_error",
      retryAfter: 7,
    });
  });

  it("sends again, once, on a new connection when the server closed the kept-alive one under it", async () => {
    const perSocket = new Map<Socket, number>();
    const server = await serve((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      // The second request on a connection finds it closed: what a server's idle timeout does.
      if (n === 2) return void req.socket.destroy();
      json(res, 200, { ok: true, n });
    });
    const slack = client(base(server));
    expect(await slack.auth.test()).toMatchObject({ ok: true });
    expect(await slack.auth.test()).toMatchObject({ ok: true });
    expect(perSocket.size).toBe(2);
  });

  it("speaks TLS (the Web API is https)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-tls-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
      const cert = readFileSync(join(dir, "cert.pem"));
      const key = readFileSync(join(dir, "key.pem"));
      const server = await serve(
        (req, res) =>
          json(res, 200, { ok: true, secure: (req.socket as { encrypted?: boolean }).encrypted === true }),
        (listener) => createHttpsServer({ cert, key }, listener),
      );
      expect(await client(base(server, "https"), {}, { ca: cert }).auth.test()).toMatchObject({
        ok: true,
        secure: true,
      });
      // Without our CA the certificate is refused: the system's trust store is used.
      await expect(client(base(server, "https")).auth.test()).rejects.toMatchObject({
        code: "slack_webapi_request_error",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves a multipart body (a file upload) to the global fetch", async () => {
    let type = "";
    const server = await serve((req, res) => {
      type = String(req.headers["content-type"]);
      json(res, 200, { ok: true });
    });
    const transport = createWebFetch();
    transports.push(transport);
    const form = new FormData();
    form.append("file", new Blob(["bytes"]), "a.txt");
    const res = await transport.fetch(`${base(server)}files.upload`, { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect(type).toMatch(/^multipart\/form-data; boundary=/);
  });
});
