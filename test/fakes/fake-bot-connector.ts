// The tests' Teams: the one local Bot Connector (src/local-platforms/bot-connector.ts, the same
// the Playground serves) on a local HTTP server, closely enough for botbuilder's ConnectorClient
// (point an activity's `serviceUrl` at it; a service URL may carry a path prefix, `${url}/emea`, as
// Teams' regional service URLs do). What this layer adds is only what tests need: every call
// recorded, waits on calls and messages, injected 429/412/502/504 (with Retry-After) and other
// failures, and an OpenID metadata document and signing keys with which it signs Bot Framework
// channel tokens, so authenticated mode is tested with real token verification.
import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  createBotConnector,
  personalConversationOf,
  type TeamsMessage,
  type TeamsUser,
} from "../../src/local-platforms/bot-connector.ts";
import { createWaiters } from "./waiters.ts";

export type FakeTeamsUser = TeamsUser;
export type FakeTeamsMessage = TeamsMessage;

export interface FakeConnectorCall {
  method: string;
  path: string;
  conversationId: string | null;
  body: unknown;
  status: number;
  at: number;
}

export type FakeConnectorFault = { status: number; retryAfterSec?: number; code?: string };

export interface FakeConnector {
  url: string;
  /** The OpenID metadata document whose keys sign `token()`s (ToBotFromChannelOpenIdMetadataUrl). */
  openIdMetadataUrl: string;
  /** A Bot Framework channel token for `appId`, valid for activities with this serviceUrl. */
  token(appId: string, serviceUrl: string, claims?: Record<string, unknown>): string;
  calls: FakeConnectorCall[];
  users: FakeTeamsUser[];
  /** The next `times` calls whose "METHOD path" matches `route` fail with `fault`. */
  fail(route: RegExp, fault: FakeConnectorFault, times?: number): void;
  messages(conversationId: string): FakeTeamsMessage[];
  allMessages(): FakeTeamsMessage[];
  /** The 1:1 conversation id the fake hands out for a user (29:... id). */
  personalConversationOf(userId: string): string;
  waitForMessage(
    conversationId: string,
    predicate: (m: FakeTeamsMessage) => boolean,
    timeoutMs?: number,
  ): Promise<FakeTeamsMessage>;
  waitFor(predicate: (c: FakeConnectorCall) => boolean, timeoutMs?: number): Promise<FakeConnectorCall>;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeConnector(opts: { users: FakeTeamsUser[] }): Promise<FakeConnector> {
  // Copies: a test may change a user (their sign-in name) without touching another harness.
  const users = opts.users.map((u) => ({ ...u }));
  const calls: FakeConnectorCall[] = [];
  const faults: { route: RegExp; fault: FakeConnectorFault; left: number }[] = [];
  const waiters = createWaiters("fake connector");
  // Waits are checked once an answer is on its way (below), not at the change itself.
  const connector = createBotConnector({ users: () => users });

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.startsWith("/openid/")) return void openId(url.pathname, res);
    const all = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    // A regional prefix ("/emea/v3/...") is recorded in the path and otherwise ignored.
    const parts = all.indexOf("v3") > 0 ? all.slice(all.indexOf("v3")) : all;
    const method = req.method ?? "GET";
    const key = `${method} /${all.join("/")}`;
    const call: FakeConnectorCall = {
      method,
      path: `/${all.join("/")}`,
      conversationId: parts[2] ?? null,
      body,
      status: 0,
      at: Date.now(),
    };
    const fault = faults.find((f) => f.left > 0 && f.route.test(key));
    let status: number;
    let out: unknown;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (fault) {
      fault.left -= 1;
      status = fault.fault.status;
      out = { error: { code: fault.fault.code ?? "Throttled", message: "injected fault" } };
      if (fault.fault.retryAfterSec !== undefined) headers["retry-after"] = String(fault.fault.retryAfterSec);
    } else {
      [status, out] = await connector.handle(method, all, body);
    }
    call.status = status;
    calls.push(call);
    res.writeHead(status, headers).end(JSON.stringify(out));
    waiters.check();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const KID = "fake-connector-key";
  function openId(path: string, res: http.ServerResponse) {
    const body =
      path === "/openid/keys"
        ? {
            keys: [
              {
                ...(keys.publicKey as KeyObject).export({ format: "jwk" }),
                kid: KID,
                use: "sig",
                endorsements: ["msteams", "emulator", "webchat", "directline"],
              },
            ],
          }
        : { issuer: "https://api.botframework.com", jwks_uri: `${base}/openid/keys` };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  }
  function token(appId: string, serviceUrl: string, claims: Record<string, unknown> = {}): string {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const head = part({ alg: "RS256", typ: "JWT", kid: KID });
    const body = part({
      iss: "https://api.botframework.com",
      aud: appId,
      serviceurl: serviceUrl,
      nbf: now - 60,
      exp: now + 3600,
      ...claims,
    });
    const signature = createSign("RSA-SHA256").update(`${head}.${body}`).sign(keys.privateKey, "base64url");
    return `${head}.${body}.${signature}`;
  }

  return {
    url: base,
    openIdMetadataUrl: `${base}/openid/.well-known/openidconfiguration`,
    token,
    calls,
    users,
    fail(routeRe, fault, times = 1) {
      faults.push({ route: routeRe, fault, left: times });
    },
    messages: (conversationId) => connector.messages.filter((m) => m.conversationId === conversationId),
    allMessages: () => [...connector.messages],
    personalConversationOf,
    waitForMessage(conversationId, predicate, timeoutMs = 5000) {
      return waiters.until(
        () => connector.messages.find((m) => m.conversationId === conversationId && predicate(m)),
        timeoutMs,
        () => `a message in ${conversationId}`,
      );
    },
    waitFor(predicate, timeoutMs = 5000) {
      return waiters.until(
        () => calls.find(predicate),
        timeoutMs,
        () => "a connector call",
      );
    },
    reset() {
      calls.length = 0;
      connector.reset();
      faults.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
