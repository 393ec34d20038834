// A local HTTP server that plays the Slack Web API closely enough for @slack/web-api's WebClient and
// Bolt (point them at it with `slackApiUrl: fake.apiUrl`), and the `response_url`s Bolt's `respond()`
// posts to. It keeps the state a user would see (channel messages with their edits, ephemerals,
// modals, home tabs), enforces the rules that bite in production (one use per trigger_id, 3 s expiry
// of the trigger ids it issued, view hashes, modal/message limits), and lets a test inject 429s,
// 5xx, platform errors and latency. Every API call is recorded.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface FakeSlackUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
  tz?: string;
  /** Slack's is_email_confirmed; true unless a test says otherwise. */
  emailConfirmed?: boolean;
  /** A multi-channel guest (is_restricted) or a single-channel guest (is_ultra_restricted). */
  guest?: "multi-channel" | "single-channel";
}

export interface FakeSlackCall {
  method: string;
  /** Form fields as strings; `view`, `blocks`, `attachments`, `metadata` parsed back from JSON. */
  args: Record<string, unknown>;
  token: string | undefined;
  at: Date;
  /** What the fake answered: the HTTP status, and the Slack error code when `ok` was false. */
  status: number;
  error?: string;
  /** The id of the view a successful views.* call opened, pushed, updated or published. */
  viewId?: string;
}

export interface FakeSlackEdit {
  text: string;
  blocks: unknown[];
  at: Date;
}

export interface FakeSlackMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  /** Each chat.update applied to the message, oldest first (the message holds the latest). */
  edits: FakeSlackEdit[];
}

export interface FakeSlackEphemeral {
  message_ts: string;
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
}

export type FakeSlackView = Record<string, unknown> & {
  id: string;
  hash: string;
  type: string;
  callback_id: string;
  private_metadata: string;
  external_id: string;
  root_view_id: string | null;
  previous_view_id: string | null;
  blocks: unknown[];
};

export interface FakeSlackResponse {
  id: string;
  body: unknown;
  at: Date;
}

export type FakeSlackFault =
  | { status: 429; retryAfterSec: number }
  | { status: 500 | 503 }
  | { error: string };

export interface FakeSlackOptions {
  users?: FakeSlackUser[];
  botUserId?: string;
  teamId?: string;
  botId?: string;
  /** What `apps.connections.open` hands out (Socket Mode); without it that method fails. */
  socketUrl?: string;
  /** Age after which a trigger id from `issueTriggerId` is refused as expired (Slack: 3 s). */
  triggerTtlMs?: number;
}

export interface FakeSlack {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  /** e.g. `http://127.0.0.1:41234/api/`, for `slackApiUrl`. */
  apiUrl: string;
  teamId: string;
  botUserId: string;
  botId: string;
  calls: FakeSlackCall[];
  responses: FakeSlackResponse[];
  /** Every modal and home view, by view id, as last opened/pushed/updated/published. */
  views: Map<string, FakeSlackView>;
  addUser(user: FakeSlackUser): void;
  user(id: string): FakeSlackUser | undefined;
  /** The next `times` calls to `method` fail with `fault` instead of running. */
  fail(method: string, fault: FakeSlackFault, times?: number): void;
  /** Every later call to `method` waits `ms` before it is handled (0 removes the delay). */
  delay(method: string, ms: number): void;
  /** A fresh response_url served by this fake; POSTs to it land in `responses`. */
  responseUrl(id?: string): string;
  /** A trigger id as Slack would put in an interaction; `viewId` says whose stack `views.push` extends. */
  issueTriggerId(viewId?: string): string;
  callsTo(method: string): FakeSlackCall[];
  /** The modal views.open or views.update showed last, a loading view aside (null: none yet). */
  lastModal(): FakeSlackView | null;
  /** Non-ephemeral messages of one channel (a DM is `D<userId>`), in posting order. */
  messages(channel: string): FakeSlackMessage[];
  allMessages(): FakeSlackMessage[];
  ephemerals(): FakeSlackEphemeral[];
  homeView(userId: string): FakeSlackView | undefined;
  waitFor(predicate: (call: FakeSlackCall) => boolean, timeoutMs?: number): Promise<FakeSlackCall>;
  waitForMessage(
    channel: string,
    predicate: (message: FakeSlackMessage) => boolean,
    timeoutMs?: number,
  ): Promise<FakeSlackMessage>;
  waitForResponse(
    predicate: (response: FakeSlackResponse) => boolean,
    timeoutMs?: number,
  ): Promise<FakeSlackResponse>;
  /** Forgets calls, messages, views, responses, faults and delays; keeps users. */
  reset(): void;
  close(): Promise<void>;
}

type Args = Record<string, unknown>;
type Reply = Record<string, unknown> & { ok: boolean };

const JSON_FIELDS = new Set(["view", "blocks", "attachments", "metadata"]);
const MAX_STACK = 3;
const MAX_RESPONSES_PER_URL = 5;

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = opts.teamId ?? "T0FAKE";
  const botUserId = opts.botUserId ?? "U0LATCHKEY";
  const botId = opts.botId ?? "B0LATCHKEY";
  const triggerTtlMs = opts.triggerTtlMs ?? 3000;
  const users = new Map((opts.users ?? []).map((u) => [u.id, u] as const));

  const calls: FakeSlackCall[] = [];
  const responses: FakeSlackResponse[] = [];
  const views = new Map<string, FakeSlackView>();
  let messages: FakeSlackMessage[] = [];
  let ephemerals: FakeSlackEphemeral[] = [];
  const homeViews = new Map<string, string>();
  const stacks = new Map<string, string[]>();
  const triggers = new Map<string, { issuedAt: number; viewId?: string }>();
  const usedTriggers = new Set<string>();
  const faults = new Map<string, FakeSlackFault[]>();
  const delays = new Map<string, number>();
  const waiters = new Set<() => void>();
  let counter = 0;
  let lastRootViewId: string | undefined;

  const next = () => ++counter;
  const nextTs = () => {
    const micros = next() * 100;
    return `${1_700_000_000 + Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  };
  const fail = (error: string, messages?: string[]): Reply =>
    messages ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };
  /** Slack lets a bot post to a user id and delivers to the app DM. */
  const resolveChannel = (channel: string) =>
    /^[UW]/.test(channel) && users.has(channel) ? `D${channel}` : channel;

  function userObject(u: FakeSlackUser) {
    const realName = u.realName ?? u.name;
    return {
      id: u.id,
      team_id: teamId,
      name: u.name,
      deleted: u.deleted ?? false,
      real_name: realName,
      tz: u.tz ?? "Etc/UTC",
      is_bot: u.isBot ?? false,
      is_app_user: false,
      is_restricted: u.guest !== undefined,
      is_ultra_restricted: u.guest === "single-channel",
      ...(u.email ? { is_email_confirmed: u.emailConfirmed ?? true } : {}),
      profile: { real_name: realName, display_name: u.name, ...(u.email ? { email: u.email } : {}) },
    };
  }

  /** Exchanges a trigger id, or says why Slack would refuse it. */
  function takeTrigger(args: Args): { error: Reply } | { viewId?: string } {
    const id = str(args.trigger_id) ?? str(args.interactivity_pointer);
    if (!id) return { error: fail("invalid_arguments", ["[ERROR] missing required field: trigger_id"]) };
    if (usedTriggers.has(id)) return { error: fail("exchanged_trigger_id") };
    const issued = triggers.get(id);
    if (issued && Date.now() - issued.issuedAt > triggerTtlMs) return { error: fail("expired_trigger_id") };
    usedTriggers.add(id);
    return issued?.viewId ? { viewId: issued.viewId } : {};
  }

  function storeView(view: Args, id: string, root: string | null, previous: string | null): FakeSlackView {
    const stored: FakeSlackView = {
      ...view,
      id,
      team_id: teamId,
      app_id: "A0LATCHKEY",
      bot_id: botId,
      type: str(view.type) ?? "modal",
      callback_id: str(view.callback_id) ?? "",
      private_metadata: str(view.private_metadata) ?? "",
      external_id: str(view.external_id) ?? "",
      blocks: Array.isArray(view.blocks) ? view.blocks : [],
      state: { values: {} },
      hash: `${Date.now()}.h${next()}`,
      root_view_id: root,
      previous_view_id: previous,
    };
    views.set(id, stored);
    return stored;
  }

  const newViewId = () => `V${String(next()).padStart(8, "0")}`;

  const handlers: Record<string, (args: Args, token: string) => Reply> = {
    "auth.test": () => ({
      ok: true,
      url: "https://fake-latchkey.slack.com/",
      team: "Fake Team",
      user: "latchkey",
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),
    "users.info": (args) => {
      const u = users.get(str(args.user) ?? "");
      return u ? { ok: true, user: userObject(u) } : fail("user_not_found");
    },
    "users.lookupByEmail": (args) => {
      const email = (str(args.email) ?? "").toLowerCase();
      const u = [...users.values()].find((x) => x.email?.toLowerCase() === email);
      return u && email ? { ok: true, user: userObject(u) } : fail("users_not_found");
    },
    "conversations.open": (args) => {
      const ids = (str(args.users) ?? "").split(",").filter(Boolean);
      if (ids.length === 0) return fail("invalid_arguments", ["[ERROR] missing required field: users"]);
      const unknown = ids.find((id) => !users.has(id));
      if (unknown) return fail("user_not_found");
      if (ids.length === 1 && users.get(ids[0] ?? "")?.isBot) return fail("cannot_dm_bot");
      return { ok: true, channel: { id: ids.length === 1 ? `D${ids[0]}` : `G${ids.join("")}` } };
    },
    "chat.postMessage": (args) => {
      const channel = str(args.channel);
      if (!channel) return fail("channel_not_found");
      const problem = messageProblem(args);
      if (problem) return problem;
      const message: FakeSlackMessage = {
        ts: nextTs(),
        channel: resolveChannel(channel),
        text: str(args.text) ?? "",
        blocks: Array.isArray(args.blocks) ? args.blocks : [],
        ...(str(args.thread_ts) ? { thread_ts: str(args.thread_ts) } : {}),
        edits: [],
      };
      messages.push(message);
      return { ok: true, channel: message.channel, ts: message.ts, message: wire(message) };
    },
    "chat.update": (args) => {
      const message = messages.find((m) => m.channel === str(args.channel) && m.ts === str(args.ts));
      if (!message) return fail("message_not_found");
      const problem = messageProblem(args);
      if (problem) return problem;
      if (typeof args.text === "string") message.text = args.text;
      if (Array.isArray(args.blocks)) message.blocks = args.blocks;
      message.edits.push({ text: message.text, blocks: message.blocks, at: new Date() });
      return {
        ok: true,
        channel: message.channel,
        ts: message.ts,
        text: message.text,
        message: wire(message),
      };
    },
    "chat.postEphemeral": (args) => {
      const channel = str(args.channel);
      const user = str(args.user);
      if (!channel) return fail("channel_not_found");
      if (!user || !users.has(user)) return fail("user_not_in_channel");
      const problem = messageProblem(args);
      if (problem) return problem;
      const thread = str(args.thread_ts);
      const ephemeral: FakeSlackEphemeral = {
        message_ts: nextTs(),
        channel: resolveChannel(channel),
        user,
        text: str(args.text) ?? "",
        blocks: Array.isArray(args.blocks) ? args.blocks : [],
        ...(thread ? { thread_ts: thread } : {}),
      };
      ephemerals.push(ephemeral);
      return { ok: true, message_ts: ephemeral.message_ts };
    },
    "views.open": (args) => {
      const problems = viewProblems(args.view);
      if (problems.length > 0) return fail("invalid_arguments", problems);
      const trigger = takeTrigger(args);
      if ("error" in trigger) return trigger.error;
      const id = newViewId();
      stacks.set(id, [id]);
      lastRootViewId = id;
      return { ok: true, view: storeView(args.view as Args, id, id, null) };
    },
    "views.push": (args) => {
      const problems = viewProblems(args.view);
      if (problems.length > 0) return fail("invalid_arguments", problems);
      const trigger = takeTrigger(args);
      if ("error" in trigger) return trigger.error;
      const from = trigger.viewId ? views.get(trigger.viewId) : undefined;
      const root = from?.root_view_id ?? lastRootViewId;
      const stack = root ? stacks.get(root) : undefined;
      if (!root || !stack) return fail("not_found");
      if (stack.length >= MAX_STACK) return fail("push_limit_reached");
      const id = newViewId();
      const previous = stack.at(-1) ?? null;
      stack.push(id);
      return { ok: true, view: storeView(args.view as Args, id, root, previous) };
    },
    "views.update": (args) => {
      const externalId = str(args.external_id);
      const current = str(args.view_id)
        ? views.get(str(args.view_id) ?? "")
        : [...views.values()].find((v) => externalId && v.external_id === externalId);
      if (!current) return fail("not_found");
      const problems = viewProblems(args.view, current.type === "home" ? "home" : "modal");
      if (problems.length > 0) return fail("invalid_arguments", problems);
      const hash = str(args.hash);
      if (hash && hash !== current.hash) return fail("hash_conflict");
      const view = { external_id: current.external_id, ...(args.view as Args) };
      return { ok: true, view: storeView(view, current.id, current.root_view_id, current.previous_view_id) };
    },
    "views.publish": (args) => {
      const userId = str(args.user_id);
      if (!userId || !users.has(userId)) return fail("user_not_found");
      const problems = viewProblems(args.view, "home");
      if (problems.length > 0) return fail("invalid_arguments", problems);
      const currentId = homeViews.get(userId);
      const hash = str(args.hash);
      if (hash && currentId && hash !== views.get(currentId)?.hash) return fail("hash_conflict");
      const id = currentId ?? newViewId();
      homeViews.set(userId, id);
      return { ok: true, view: storeView(args.view as Args, id, null, null) };
    },
    "apps.connections.open": (_args, token) => {
      if (!token.startsWith("xapp-")) return fail("not_allowed_token_type");
      return opts.socketUrl ? { ok: true, url: opts.socketUrl } : fail("not_allowed");
    },
  };

  function wire(m: FakeSlackMessage) {
    const { edits: _edits, channel: _channel, ...rest } = m;
    return { type: "message", user: botUserId, bot_id: botId, team: teamId, ...rest };
  }

  function record(call: FakeSlackCall) {
    calls.push(call);
    for (const check of [...waiters]) check();
  }

  async function handleApi(method: string, req: http.IncomingMessage, raw: string, res: http.ServerResponse) {
    const pause = delays.get(method);
    if (pause) await sleep(pause);
    const args = parseArgs(req.headers["content-type"], raw);
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? str(args.token);
    delete args.token;

    const fault = faults.get(method)?.shift();
    let status = 200;
    let reply: Reply;
    const headers: Record<string, string> = {};
    if (fault && "status" in fault) {
      status = fault.status;
      reply = fail(fault.status === 429 ? "ratelimited" : "fatal_error");
      if (fault.status === 429) headers["retry-after"] = String(fault.retryAfterSec);
    } else if (fault) {
      reply = fail(fault.error);
    } else {
      const handler = handlers[method];
      if (!handler) reply = fail("unknown_method");
      else if (!token) reply = fail("not_authed");
      else reply = handler(args, token);
    }
    record({
      method,
      args,
      token,
      at: new Date(),
      status,
      ...(reply.ok ? {} : { error: String(reply.error) }),
      ...(reply.ok && method.startsWith("views.") ? { viewId: (reply.view as { id: string }).id } : {}),
    });
    sendJson(res, status, reply, headers);
  }

  function handleResponseUrl(id: string, raw: string, res: http.ServerResponse) {
    if (responses.filter((r) => r.id === id).length >= MAX_RESPONSES_PER_URL) {
      sendJson(res, 404, fail("used_url"));
      return;
    }
    responses.push({ id, body: tryJson(raw), at: new Date() });
    for (const check of [...waiters]) check();
    sendJson(res, 200, { ok: true });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = new URL(req.url ?? "/", "http://fake").pathname;
      const done = (p: Promise<void> | void) =>
        Promise.resolve(p).catch((e: unknown) => sendJson(res, 500, fail(`fake_crashed: ${String(e)}`)));
      if (req.method === "POST" && path.startsWith("/api/")) {
        void done(handleApi(decodeURIComponent(path.slice(5)), req, raw, res));
      } else if (req.method === "POST" && path.startsWith("/response/")) {
        void done(handleResponseUrl(decodeURIComponent(path.slice(10)), raw, res));
      } else {
        sendJson(res, 404, fail("no_route"));
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  function waitUntil<T>(find: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let found: T | undefined;
        try {
          found = find();
        } catch {
          found = undefined;
        }
        if (found === undefined) return;
        settle();
        resolve(found);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }
  const recordedMethods = () =>
    calls.map((c) => (c.error ? `${c.method}(${c.error})` : c.method)).join(", ") || "none";

  return {
    url,
    apiUrl: `${url}/api/`,
    teamId,
    botUserId,
    botId,
    calls,
    responses,
    views,
    addUser: (user) => void users.set(user.id, user),
    user: (id) => users.get(id),
    fail(method, fault, times = 1) {
      const queue = faults.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(fault);
      faults.set(method, queue);
    },
    delay: (method, ms) => void delays.set(method, ms),
    responseUrl: (id) => `${url}/response/${encodeURIComponent(id ?? `R${next()}`)}`,
    issueTriggerId(viewId) {
      const id = `${next()}.${Date.now()}.${counter.toString(16).padStart(8, "0")}`;
      triggers.set(id, { issuedAt: Date.now(), ...(viewId ? { viewId } : {}) });
      return id;
    },
    callsTo: (method) => calls.filter((c) => c.method === method),
    lastModal() {
      const shown = calls.findLast(
        (c) =>
          (c.method === "views.open" || c.method === "views.update") &&
          c.viewId !== undefined &&
          (c.args.view as Args | undefined)?.callback_id !== "loading",
      );
      return shown?.viewId ? (views.get(shown.viewId) ?? null) : null;
    },
    messages: (channel) => messages.filter((m) => m.channel === channel),
    allMessages: () => [...messages],
    ephemerals: () => [...ephemerals],
    homeView: (userId) => views.get(homeViews.get(userId) ?? ""),
    waitFor: (predicate, timeoutMs = 5000) =>
      waitUntil(
        () => calls.find(predicate),
        timeoutMs,
        () => `a matching call; recorded: ${recordedMethods()}`,
      ),
    waitForMessage: (channel, predicate, timeoutMs = 5000) =>
      waitUntil(
        () => messages.find((m) => m.channel === channel && predicate(m)),
        timeoutMs,
        () =>
          `a matching message in ${channel}; it has ${JSON.stringify(messages.filter((m) => m.channel === channel).map((m) => m.text))}; calls: ${recordedMethods()}`,
      ),
    waitForResponse: (predicate, timeoutMs = 5000) =>
      waitUntil(
        () => responses.find(predicate),
        timeoutMs,
        () => `a matching response_url post; got ${JSON.stringify(responses.map((r) => r.body))}`,
      ),
    reset() {
      calls.length = 0;
      responses.length = 0;
      views.clear();
      messages = [];
      ephemerals = [];
      for (const m of [homeViews, stacks, triggers, faults, delays]) m.clear();
      usedTriggers.clear();
      lastRootViewId = undefined;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function tryJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function parseArgs(contentType: string | undefined, raw: string): Args {
  if (contentType?.startsWith("application/json")) {
    const parsed = tryJson(raw);
    return isRecord(parsed) ? { ...parsed } : {};
  }
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw))
    args[key] = JSON_FIELDS.has(key) ? tryJson(value) : value;
  return args;
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

/** What chat.postMessage/update/postEphemeral refuse: nothing to show, or more than 50 blocks. */
function messageProblem(args: Args): Reply | undefined {
  const blocks = Array.isArray(args.blocks) ? args.blocks : undefined;
  if (!str(args.text) && !blocks?.length && !args.attachments) return { ok: false, error: "no_text" };
  if (blocks && blocks.length > 50) {
    const messages = ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"];
    return { ok: false, error: "invalid_blocks", response_metadata: { messages } };
  }
  return undefined;
}

/** The view limits Slack enforces, as its `invalid_arguments` messages word them. */
function viewProblems(view: unknown, type: "modal" | "home" = "modal"): string[] {
  if (!isRecord(view)) return ["[ERROR] missing required field: view [json-pointer:/view]"];
  const problems: string[] = [];
  if (view.type !== type) problems.push(`[ERROR] must be ${type} [json-pointer:/view/type]`);
  const blocks = Array.isArray(view.blocks) ? view.blocks : undefined;
  if (!blocks) problems.push("[ERROR] missing required field: blocks [json-pointer:/view/blocks]");
  else if (blocks.length > 100)
    problems.push("[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]");
  if (view.type === "modal") {
    if (!isRecord(view.title))
      problems.push("[ERROR] missing required field: title [json-pointer:/view/title]");
    for (const key of ["title", "submit", "close"]) {
      const text = isRecord(view[key]) ? str((view[key] as Record<string, unknown>).text) : undefined;
      if (text !== undefined && text.length > 24) {
        problems.push(`[ERROR] must be less than 25 characters [json-pointer:/view/${key}/text]`);
      }
    }
    if (blocks?.some((b) => isRecord(b) && b.type === "input") && !isRecord(view.submit)) {
      problems.push(
        "[ERROR] submit is required when an input block is within the blocks array [json-pointer:/view]",
      );
    }
  }
  if ((str(view.private_metadata) ?? "").length > 3000) {
    problems.push("[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]");
  }
  if ((str(view.callback_id) ?? "").length > 255) {
    problems.push("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]");
  }
  return problems;
}
