// The Playground (npm start on the embedded defaults, http://localhost:3000/): a page that shows
// Latchkey working through its real adapters. The page sends signed Slack requests to
// POST /slack/events and Bot Framework activities to POST /api/messages, as Slack and Teams would;
// this module plays the platforms' side Latchkey calls back (a Slack Web API, a Bot Connector),
// and serves the page, its state, and read-only views of the phones, the outbox and the audit log.
// On only with simulated devices and no real Slack or Teams credentials; this machine only, and
// only for whoever holds the per-start token the banner prints (guard.ts).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config, SlackConfig } from "../config.ts";
import { type Engine, errorText } from "../core/engine.ts";
import { peopleWithDevices } from "../core/inventory/device-list.ts";
import type { Logger, TimelineObserver } from "../core/ports.ts";
import type { RawListener, Route } from "../http/router.ts";
import type { DeviceSimulator } from "../simulator/device-simulator.ts";
import { createBotConnector, PLAYGROUND_TENANT, type TeamsUser } from "./bot-connector.ts";
import { newPlaygroundToken, playgroundRefusal, playgroundTokenAccess, tokenMatcher } from "./guard.ts";
import { auditTail, phones, readOutbox } from "./inspect.ts";
import { readText, sendFile, sendJson } from "./respond.ts";
import { createSlackWorkspace, PLAYGROUND_BOT_USER, type WorkspaceUser } from "./slack-workspace.ts";

export const PLAYGROUND_PATH = "/playground";
const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), "public");
const STATIC = /^[a-z-]+\.(html|js|css|svg)$/;
const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";
const SVG = "image/svg+xml";
const TYPES: Record<string, string> = { html: HTML, js: JS, css: "text/css; charset=utf-8", svg: SVG };
/** adaptivecards 3 under another name: botbuilder's types need the 1.x one as `adaptivecards`. */
const RENDERER_PACKAGE = "adaptivecards-bundle";
export const PLAYGROUND_CHANNELS = { itOps: "C0ITOPS", security: "C0SECURITY" };

/** Simulated devices and neither real Slack credentials nor a Teams app id (decided in config.ts). */
export function playgroundEnabled(config: Config): boolean {
  return config.playground;
}

export interface PlaygroundOptions {
  engine: Engine;
  log: Logger;
  /** http://127.0.0.1:<port>: where Latchkey calls its own Slack API and connector. */
  localUrl: string;
  outboxDir: string;
  admins: string[];
  teams: boolean;
  simulator: DeviceSimulator | null;
}

export interface Playground {
  /** The per-start token every Playground call carries (the banner prints it in the URL). */
  token: string;
  /** The Slack adapter's configuration: a generated signing secret and token, the local Web API. */
  slackConfig: SlackConfig;
  mount: { prefix: string; listener: RawListener };
  routes: Route[];
  observer: TimelineObserver;
}

export function createPlayground(opts: PlaygroundOptions): Playground {
  const { engine, log } = opts;
  const token = newPlaygroundToken();
  const tokenMatches = tokenMatcher(token);
  // Cookies ignore ports: one name per port, so two Latchkeys on one machine keep their own.
  const cookieName = `latchkey_playground_${new URL(opts.localUrl).port || "80"}`;
  // Latchkey's own calls to the Playground's Slack API and Bot Connector carry the token in the path.
  const callbackBase = `${opts.localUrl}${PLAYGROUND_PATH}/t/${token}`;
  const signingSecret = randomBytes(32).toString("hex");
  const botToken = `xoxb-playground-${randomBytes(16).toString("hex")}`;
  const clients = new Set<ServerResponse>();
  let version = 0;
  let pending: NodeJS.Timeout | null = null;
  function changed(): void {
    version += 1;
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      for (const c of clients) c.write(`data: ${version}\n\n`);
    }, 50);
    pending.unref();
  }
  const heartbeat = setInterval(() => {
    for (const c of clients) c.write(": keep-alive\n\n");
  }, 15_000);
  heartbeat.unref();

  let people: { at: number; list: Promise<{ email: string; name: string }[]> } | null = null;
  function directory(): Promise<{ email: string; name: string }[]> {
    if (people && Date.now() - people.at < 5000) return people.list;
    const list = (async () => {
      const found = await peopleWithDevices(engine, opts.admins);
      return found.map((p) => ({ email: p.email, name: p.name }));
    })();
    people = { at: Date.now(), list };
    return list;
  }
  const local = (email: string) => (email.split("@")[0] ?? email).replace(/[^A-Za-z0-9]/g, "");
  const slackUsers = async (): Promise<WorkspaceUser[]> =>
    (await directory()).map((p) => ({
      id: `U${local(p.email).toUpperCase()}`,
      name: (p.email.split("@")[0] ?? p.email).toLowerCase(),
      realName: p.name,
      email: p.email,
    }));
  const teamsUsers = async (): Promise<TeamsUser[]> =>
    (await directory()).map((p) => ({
      id: `29:${local(p.email).toLowerCase()}`,
      aadObjectId: `aad-${local(p.email).toLowerCase()}`,
      name: p.name,
      email: p.email,
    }));
  const slack = createSlackWorkspace({ botToken, users: slackUsers, changed });
  const connector = createBotConnector({ users: teamsUsers, changed });

  async function state() {
    return {
      version,
      slack: await slack.snapshot(),
      teams: connector.snapshot(),
      phones: await phones(engine, opts.simulator),
      outbox: await readOutbox(opts.outboxDir),
      audit: await auditTail(engine),
    };
  }

  async function config() {
    return {
      signingSecret,
      slack: {
        team: { id: "T0PLAYGROUND", domain: "latchkey-playground" },
        botUserId: PLAYGROUND_BOT_USER,
        responseUrlBase: `${callbackBase}/slack/response/`,
        channels: [
          { id: PLAYGROUND_CHANNELS.itOps, name: "it-ops" },
          { id: PLAYGROUND_CHANNELS.security, name: "security" },
        ],
        users: await slackUsers(),
      },
      teams: opts.teams
        ? {
            serviceUrl: `${callbackBase}/teams/`,
            tenantId: PLAYGROUND_TENANT,
            bot: { id: "28:latchkey-playground", name: "Latchkey" },
            channel: { id: "19:itops@thread.tacv2", team: "19:playground@thread.tacv2", name: "IT Ops" },
            users: await teamsUsers(),
          }
        : null,
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? "GET";
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    if (method === "GET" && (path === "/" || path === "")) {
      return sendFile(res, join(PUBLIC_DIR, "index.html"), HTML);
    }
    if (method === "GET" && parts.length === 1 && STATIC.test(parts[0] ?? "")) {
      const name = parts[0] ?? "";
      return sendFile(res, join(PUBLIC_DIR, name), TYPES[name.split(".").pop() ?? ""] ?? "text/plain");
    }
    if (method === "GET" && path === "/vendor/adaptivecards.min.js") {
      const main = createRequire(import.meta.url).resolve(RENDERER_PACKAGE);
      return sendFile(res, join(dirname(main), "..", "dist", "adaptivecards.min.js"), JS);
    }
    if (method === "GET" && path === "/api/config") return sendJson(res, 200, await config());
    if (method === "GET" && path === "/api/state") return sendJson(res, 200, await state());
    if (method === "GET" && path === "/api/events") return openEvents(res);
    if (method === "POST" && parts[0] === "slack") {
      const raw = await readText(req);
      if (parts[1] === "api" && parts[2]) {
        return sendJson(
          res,
          200,
          await slack.api(parts[2], req.headers["content-type"], raw, req.headers.authorization),
        );
      }
      if (parts[1] === "response" && parts[2]) {
        const taken = slack.respond(parts.slice(2).join("/"), raw);
        return sendJson(res, taken ? 200 : 404, taken ? { ok: true } : { ok: false, error: "used_url" });
      }
      const body = JSON.parse(raw || "{}") as { user?: string; op?: string; view?: never; errors?: unknown };
      if (parts[1] === "ui" && parts[2] === "trigger" && body.user) {
        return sendJson(res, 200, { triggerId: slack.trigger(body.user) });
      }
      if (parts[1] === "ui" && parts[2] === "modal" && body.user && body.op) {
        slack.modal(body.user, body.op, body.view, body.errors);
        return sendJson(res, 200, { ok: true });
      }
    }
    if (parts[0] === "teams") {
      const raw = method === "GET" ? "" : await readText(req);
      const [status, out] = await connector.handle(method, parts.slice(1), raw ? JSON.parse(raw) : {});
      return sendJson(res, status, out);
    }
    sendJson(res, 404, { error: `No such Playground endpoint: ${path}` });
  }

  function openEvents(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(`retry: 1000\ndata: ${version}\n\n`);
    clients.add(res);
    res.on("close", () => clients.delete(res));
  }

  const listener: RawListener = (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const refused = playgroundRefusal(req);
    if (refused) {
      log.warn({ component: "playground", why: refused }, "Playground request refused");
      return void sendJson(res, 403, { error: `The Playground serves this machine only (${refused}).` });
    }
    if (url.pathname === PLAYGROUND_PATH) {
      return void res.writeHead(302, { location: `${PLAYGROUND_PATH}/${url.search}` }).end();
    }
    const access = playgroundTokenAccess(req, url, PLAYGROUND_PATH, tokenMatches, cookieName);
    if (!access) {
      log.warn({ component: "playground", path: url.pathname }, "Playground request refused: no valid token");
      return void res
        .writeHead(403, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
        .end(
          "This Playground link has no valid token. Open the URL Latchkey printed when it started (http://localhost:<port>/?token=...); it changes at every start.\n",
        );
    }
    if (access.via === "query") {
      // The cookie carries the token from now on; the address bar (and history) lose it.
      const cookie = `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=${PLAYGROUND_PATH}`;
      return void res
        .writeHead(302, { "set-cookie": cookie, location: url.pathname, "cache-control": "no-store" })
        .end();
    }
    route(req, res, access.path).catch((err: unknown) => {
      log.error(
        { component: "playground", path: url.pathname, err: errorText(err) },
        "Playground request failed",
      );
      if (!res.headersSent) sendJson(res, 500, { error: "Playground request failed; see the log." });
    });
  };

  return {
    token,
    slackConfig: {
      botToken,
      signingSecret,
      appToken: null,
      apiUrl: `${callbackBase}/slack/api/`,
      securityChannel: PLAYGROUND_CHANNELS.security,
      httpReceiver: "latchkey",
    },
    mount: { prefix: PLAYGROUND_PATH, listener },
    routes: [
      {
        method: "GET",
        path: "/",
        // The banner's http://localhost:3000/?token=... keeps its token on the way.
        handler: async (req) => {
          const query = req.query.get("token")
            ? `?${new URLSearchParams({ token: req.query.get("token") ?? "" })}`
            : "";
          return { status: 302, headers: { location: `${PLAYGROUND_PATH}/${query}` } };
        },
      },
      {
        method: "GET",
        path: "/favicon.ico",
        // Browsers ask for it at the root whatever the page says; an image, nothing secret.
        handler: async () => ({
          status: 200,
          headers: { "content-type": SVG, "cache-control": "max-age=86400" },
          text: await readFile(join(PUBLIC_DIR, "favicon.svg"), "utf8"),
        }),
      },
    ],
    observer: { onEvent: () => changed() },
  };
}
