// The Teams adapter: a botbuilder CloudAdapter behind POST /api/messages (every incoming token
// verified when an app id is configured; none in local mode, for the Agents Playground, the
// Emulator and tests), the bot's handlers, the timeline that follows requests in conversations,
// and the 1:1 channel for passcodes. Every botbuilder import of the project lives in this folder.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Request,
  type Response,
} from "botbuilder";
import type { TeamsConfig } from "../../config.ts";
import { type Engine, errorText } from "../../core/engine.ts";
import type { ChatTimeline, Logger, PasscodeSender } from "../../core/ports.ts";
import type { RawListener } from "../../http/router.ts";
import { LatchkeyBot } from "./bot.ts";
import { createConnectorTransport, DEFAULT_RETRIES, type RetryOptions } from "./connector-transport.ts";
import { createTeamsDmSender } from "./dm-sender.ts";
import { createTeamsIdentity } from "./identity.ts";
import { createProactive } from "./proactive.ts";
import { createTeamsTimeline } from "./teams-timeline.ts";
import { createWindowGate, TEAMS_WINDOWS, type Window } from "./window-gate.ts";

export const TEAMS_MESSAGES_PATH = "/api/messages";
const MAX_BODY_BYTES = 256 * 1024;

export interface TeamsAdapterOptions {
  config: TeamsConfig;
  log: Logger;
  /** Bot Connector retries on 429/412/502/504 and network errors (tests shorten them). */
  retries?: RetryOptions;
  /** Per-conversation send windows (Teams' published limits by default; [] switches pacing off). */
  pacing?: { windows: readonly Window[] };
}

export interface TeamsAdapter {
  mode: "local" | "authenticated";
  listener: RawListener;
  timeline: ChatTimeline;
  sender: PasscodeSender;
  stop(): Promise<void>;
}

export function createTeamsAdapter(engine: Engine, opts: TeamsAdapterOptions): TeamsAdapter {
  const { config, log } = opts;
  const transport = createConnectorTransport({
    retries: opts.retries ?? DEFAULT_RETRIES,
    gate: createWindowGate(opts.pacing?.windows ?? TEAMS_WINDOWS),
    log,
  });
  const appId = config.appId ?? "";
  const auth = new ConfigurationBotFrameworkAuthentication(
    config.appId
      ? {
          MicrosoftAppId: config.appId,
          MicrosoftAppPassword: config.appPassword ?? "",
          MicrosoftAppType: config.appType,
          MicrosoftAppTenantId: config.tenantId ?? "",
        }
      : // Local mode: no credentials, so unsigned activities are accepted and replies are unsigned.
        { MicrosoftAppId: "", MicrosoftAppPassword: "", MicrosoftAppType: "MultiTenant" },
    undefined,
    undefined,
    undefined,
    { httpClient: transport } as never,
  );
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (ctx, err) => {
    log.error({ component: "teams", type: ctx.activity.type, err: errorText(err) }, "Teams turn failed");
  };
  const identity = createTeamsIdentity(engine);
  const bot = new LatchkeyBot({ engine, identity, securityConversation: config.securityConversation });
  const proactive = createProactive(adapter, appId);
  const inFlight = new Set<Promise<unknown>>();

  const listener: RawListener = (req, res) => {
    const work = handle(req, res).catch((err: unknown) => {
      log.error({ component: "teams", err: errorText(err) }, "Teams request failed");
      if (!res.headersSent) res.writeHead(500).end();
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") return void res.writeHead(405, { allow: "POST" }).end();
    // Local mode verifies nothing, so it serves this machine only (the Emulator, the Agents
    // Playground, the browser playground): from anywhere else anyone could pose as an admin.
    if (!config.appId && !isLoopback(req.socket.remoteAddress)) {
      return void res
        .writeHead(403, { "content-type": "application/json" })
        .end(
          '{"error":"Teams runs in local mode (no MICROSOFT_APP_ID): only requests from this machine are accepted."}',
        );
    }
    const body = await readBody(req);
    if (body === "too_large") return void res.writeHead(413).end();
    if (body === null) return void res.writeHead(400).end();
    await adapter.process(
      { body, headers: req.headers, method: req.method } as Request,
      expressLike(res),
      (ctx) => bot.run(ctx),
    );
  }

  return {
    mode: config.appId ? "authenticated" : "local",
    listener,
    timeline: createTeamsTimeline(engine, proactive),
    sender: createTeamsDmSender(engine, proactive),
    async stop() {
      await Promise.allSettled([...inFlight]);
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | "too_large" | null> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return "too_large";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return "too_large";
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The express-style response CloudAdapter.process writes to (status, header, send, end). */
function expressLike(res: ServerResponse): Response {
  let status = 200;
  let payload: string | undefined;
  const headers: Record<string, string> = {};
  return {
    socket: res.socket,
    status(code: number) {
      status = code;
      return this;
    },
    header(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
      return this;
    },
    send(body: unknown) {
      if (body === undefined || body === null) return this;
      if (typeof body === "string") payload = body;
      else {
        payload = JSON.stringify(body);
        headers["content-type"] ??= "application/json; charset=utf-8";
      }
      return this;
    },
    end() {
      if (res.headersSent) return this;
      res.writeHead(status, headers).end(payload);
      return this;
    },
  } as unknown as Response;
}

function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}
