// A local HTTP server that plays the Bot Connector API closely enough for botbuilder's
// ConnectorClient (point an activity's `serviceUrl` at it): new 1:1 conversations, activities
// posted (with or without a replyTo), activities updated in place, and the member lookup behind
// TeamsInfo.getMember. It keeps what a Teams user would see (each conversation's messages with
// their edits; a channel thread reply lands in `<channel>;messageid=<root>`), records every call,
// and lets a test inject 429/412/502/504 (with Retry-After) and other failures.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeTeamsUser {
  /** The bot-scoped id Teams puts in `from.id` (29:...). */
  id: string;
  aadObjectId: string;
  name: string;
  email?: string;
  userPrincipalName?: string;
  tenantId?: string;
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
  const users = [...opts.users];
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
          userPrincipalName: u.userPrincipalName ?? u.email ?? `${u.aadObjectId}@upn.example`,
          tenantId: u.tenantId ?? "tenant-1",
          userRole: "user",
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
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? "GET";
    const key = `${method} /${parts.join("/")}`;
    const call: FakeConnectorCall = {
      method,
      path: `/${parts.join("/")}`,
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
    url: `http://127.0.0.1:${port}`,
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
