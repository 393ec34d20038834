// The tests' Slack: the one local Slack Web API (src/local-platforms/slack-web-api.ts, the same the
// Playground serves) on a local HTTP server, closely enough for @slack/web-api's WebClient and
// Bolt (point them at it with `slackApiUrl: fake.apiUrl`), with the `response_url`s Bolt's
// `respond()` posts to. What this layer adds is only what tests need: every API call recorded with
// its answer, waits on calls, messages and responses, trigger ids issued for a view, and injected
// faults (429 with Retry-After, 5xx, any platform error such as invalid_auth, a fixed latency, or
// a call held until the test lets it go).
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type Args, fail, parseCall, type Reply } from "../../src/local-platforms/slack-args.ts";
import type { SlackView } from "../../src/local-platforms/slack-views.ts";
import {
  createSlackWebApi,
  type SlackEdit,
  type SlackEphemeral,
  type SlackMessage,
  type SlackResponse,
  type SlackUser,
} from "../../src/local-platforms/slack-web-api.ts";
import { createWaiters } from "./waiters.ts";

export type FakeSlackUser = SlackUser;
export type FakeSlackEdit = SlackEdit;
export type FakeSlackMessage = SlackMessage;
export type FakeSlackEphemeral = SlackEphemeral;
export type FakeSlackView = SlackView;
export type FakeSlackResponse = SlackResponse;

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
  /** Every later call to `method` waits until the returned function is called (then all go on). */
  hold(method: string): () => void;
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
  /** Forgets calls, messages, views, responses, faults, delays and holds; keeps users. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const waiters = createWaiters("fake Slack");
  // Payloads a test builds itself carry trigger ids this fake never issued. Waits are checked once
  // an answer is on its way (below), not at the change itself.
  const slack = createSlackWebApi({ ...opts, acceptUnissuedTriggers: true });
  const calls: FakeSlackCall[] = [];
  const faults = new Map<string, FakeSlackFault[]>();
  const delays = new Map<string, number>();
  const holds = new Map<string, Promise<void>>();
  let responseIds = 0;

  async function handleApi(method: string, req: http.IncomingMessage, raw: string, res: http.ServerResponse) {
    const pause = delays.get(method);
    if (pause) await sleep(pause);
    await holds.get(method);
    const { args, token } = parseCall(req.headers["content-type"], raw, req.headers.authorization);
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
      reply = await slack.call(method, args, token);
    }
    calls.push({
      method,
      args,
      token,
      at: new Date(),
      status,
      ...(reply.ok ? {} : { error: String(reply.error) }),
      ...(reply.ok && method.startsWith("views.") ? { viewId: (reply.view as { id: string }).id } : {}),
    });
    sendJson(res, status, reply, headers);
    waiters.check();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = new URL(req.url ?? "/", "http://fake").pathname;
      if (req.method === "POST" && path.startsWith("/api/")) {
        handleApi(decodeURIComponent(path.slice(5)), req, raw, res).catch((e: unknown) =>
          sendJson(res, 500, fail(`fake_crashed: ${String(e)}`)),
        );
      } else if (req.method === "POST" && path.startsWith("/response/")) {
        const taken = slack.respond(decodeURIComponent(path.slice(10)), raw);
        sendJson(res, taken ? 200 : 404, taken ? { ok: true } : fail("used_url"));
        waiters.check();
      } else {
        sendJson(res, 404, fail("no_route"));
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const recordedMethods = () =>
    calls.map((c) => (c.error ? `${c.method}(${c.error})` : c.method)).join(", ") || "none";
  const releases: (() => void)[] = [];

  return {
    url,
    apiUrl: `${url}/api/`,
    teamId: slack.teamId,
    botUserId: slack.botUserId,
    botId: slack.botId,
    calls,
    responses: slack.responses,
    views: slack.views,
    addUser: slack.addUser,
    user: slack.user,
    fail(method, fault, times = 1) {
      const queue = faults.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(fault);
      faults.set(method, queue);
    },
    delay: (method, ms) => void delays.set(method, ms),
    hold(method) {
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = () => {
          if (holds.get(method) === held) holds.delete(method);
          resolve();
        };
      });
      holds.set(method, held);
      releases.push(release);
      return release;
    },
    responseUrl: (id) => `${url}/response/${encodeURIComponent(id ?? `R${++responseIds}`)}`,
    issueTriggerId: (viewId) => slack.issueTrigger(viewId ? { viewId } : {}),
    callsTo: (method) => calls.filter((c) => c.method === method),
    lastModal() {
      const shown = calls.findLast(
        (c) =>
          (c.method === "views.open" || c.method === "views.update") &&
          c.viewId !== undefined &&
          (c.args.view as Args | undefined)?.callback_id !== "loading",
      );
      return shown?.viewId ? (slack.views.get(shown.viewId) ?? null) : null;
    },
    messages: (channel) => slack.messages.filter((m) => m.channel === channel),
    allMessages: () => [...slack.messages],
    ephemerals: () => [...slack.ephemerals],
    homeView: slack.homeView,
    waitFor: (predicate, timeoutMs = 5000) =>
      waiters.until(
        () => calls.find(predicate),
        timeoutMs,
        () => `a matching call; recorded: ${recordedMethods()}`,
      ),
    waitForMessage: (channel, predicate, timeoutMs = 5000) =>
      waiters.until(
        () => slack.messages.find((m) => m.channel === channel && predicate(m)),
        timeoutMs,
        () =>
          `a matching message in ${channel}; it has ${JSON.stringify(slack.messages.filter((m) => m.channel === channel).map((m) => m.text))}; calls: ${recordedMethods()}`,
      ),
    waitForResponse: (predicate, timeoutMs = 5000) =>
      waiters.until(
        () => slack.responses.find(predicate),
        timeoutMs,
        () => `a matching response_url post; got ${JSON.stringify(slack.responses.map((r) => r.body))}`,
      ),
    reset() {
      calls.length = 0;
      slack.reset();
      faults.clear();
      delays.clear();
      for (const release of releases.splice(0)) release();
    },
    async close() {
      for (const release of releases.splice(0)) release();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
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
