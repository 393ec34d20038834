// A local HTTP server that plays the Bot Connector API closely enough for botbuilder's
// ConnectorClient (point an activity's `serviceUrl` at it): new 1:1 conversations, activities
// posted (with or without a replyTo), activities updated in place, and the member lookup behind
// TeamsInfo.getMember. It keeps what a Teams user would see (each conversation's messages with
// their edits; a channel thread reply lands in `<channel>;messageid=<root>`), records every call,
// and lets a test inject 429/412/502/504 (with Retry-After) and other failures. It also publishes
// an OpenID metadata document and signing keys, and signs Bot Framework channel tokens with them,
// so authenticated mode is tested with real token verification. A service URL may carry a path
// prefix (`${url}/emea`), as Teams' regional service URLs do.
import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeTeamsUser {
  /** The bot-scoped id Teams puts in `from.id` (29:...). */
  id: string;
  aadObjectId: string;
  name: string;
  email?: string;
  /** The sign-in name; by default the email (or one made from the AAD id); null: Teams gives none. */
  userPrincipalName?: string | null;
  tenantId?: string;
  /** "user" (default), "guest" or "anonymous". */
  userRole?: string;
}

export interface FakeConnectorCall {
  method: string;
  path: string;
  conversationId: string | null;
  body: unknown;
  status: number;
  at: number;
}

export interface FakeTeamsMessage {
  id: string;
  conversationId: string;
  replyToId: string | null;
  activity: Record<string, unknown>;
  /** Each update applied, oldest first; `activity` holds the latest. */
  edits: Record<string, unknown>[];
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
  let messages: FakeTeamsMessage[] = [];
  const faults: { route: RegExp; fault: FakeConnectorFault; left: number }[] = [];
  const waiters = new Set<() => void>();
  let counter = 0;
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const personal = (userId: string) => `a:1on1-${userId.replace(/[^A-Za-z0-9-]/g, "")}`;

  function route(method: string, parts: string[], body: Record<string, unknown>): [number, unknown] {
    // parts: ["v3", "conversations", id?, "activities"|"members", x?]
    if (parts[0] !== "v3" || parts[1] !== "conversations") return [404, { error: { code: "NotFound" } }];
    const conversationId = parts[2];
    if (method === "POST" && !conversationId) {
      const members = (body.members as { id?: string }[] | undefined) ?? [];
      const member = members[0]?.id;
      const user = users.find((u) => u.id === member || u.aadObjectId === member);
      if (!user) return [400, { error: { code: "BadArgument", message: "Unknown member" } }];
      return [201, { id: personal(user.id) }];
    }
    if (!conversationId) return [404, { error: { code: "NotFound" } }];
    if (parts[3] === "activities" && method === "POST") {
      const id = `act-${++counter}`;
      const replyToId = parts[4] ?? null;
      messages.push({ id, conversationId, replyToId, activity: { ...body, id }, edits: [] });
      return [201, { id }];
    }
    if (parts[3] === "activities" && method === "PUT" && parts[4]) {
      const m = messages.find((x) => x.id === parts[4] && x.conversationId === conversationId);
      if (!m) return [404, { error: { code: "ActivityNotFoundInConversation" } }];
      // Teams (and the Agents Playground) turn an activity into one message per part (its text,
      // each attachment) unless the attachments are a carousel; an update must stay one message.
      const update = body as { text?: unknown; attachments?: unknown[]; attachmentLayout?: unknown };
      const pieces =
        (update.text ? 1 : 0) +
        (update.attachmentLayout === "carousel"
          ? Math.min(1, update.attachments?.length ?? 0)
          : (update.attachments?.length ?? 0));
      if (pieces > 1) {
        return [
          400,
          { error: { code: "BadSyntax", message: "Activity resulted into multiple skype activities" } },
        ];
      }
      m.activity = { ...body, id: m.id };
      m.edits.push(body);
      return [200, { id: m.id }];
    }
    if (parts[3] === "members" && method === "GET" && parts[4]) {
      const u = users.find((x) => x.id === parts[4] || x.aadObjectId === parts[4]);
      if (!u) return [404, { error: { code: "MemberNotFoundInConversation" } }];
      return [
        200,
        {
          id: u.id,
          name: u.name,
          aadObjectId: u.aadObjectId,
          objectId: u.aadObjectId,
          ...(u.email ? { email: u.email } : {}),
          ...(u.userPrincipalName === null
            ? {}
            : { userPrincipalName: u.userPrincipalName ?? u.email ?? `${u.aadObjectId}@upn.example` }),
          tenantId: u.tenantId ?? "tenant-1",
          userRole: u.userRole ?? "user",
        },
      ];
    }
    return [404, { error: { code: "NotFound" } }];
  }

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
      [status, out] = route(method, parts, body);
    }
    call.status = status;
    calls.push(call);
    res.writeHead(status, headers).end(JSON.stringify(out));
    notify();
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

  async function until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const found = find();
    if (found !== undefined) return found;
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (hit === undefined) return;
        cleanup();
        resolve(hit);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake connector: timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
    });
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
    messages: (conversationId) => messages.filter((m) => m.conversationId === conversationId),
    allMessages: () => [...messages],
    personalConversationOf: personal,
    waitForMessage(conversationId, predicate, timeoutMs = 5000) {
      return until(
        () => messages.find((m) => m.conversationId === conversationId && predicate(m)),
        timeoutMs,
        `a message in ${conversationId}`,
      );
    },
    waitFor(predicate, timeoutMs = 5000) {
      return until(() => calls.find(predicate), timeoutMs, "a connector call");
    },
    reset() {
      calls.length = 0;
      messages = [];
      faults.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
