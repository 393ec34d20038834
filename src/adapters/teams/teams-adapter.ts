// The Teams adapter: a botbuilder CloudAdapter behind POST /api/messages (every incoming token
// verified when an app id is configured; none in local mode, for the Agents Playground, the
// Emulator and tests), the bot's handlers, the timeline that follows requests in conversations,
// and the 1:1 channel for passcodes. Every botbuilder import of the project lives in this folder.
// The request is authenticated here (not in CloudAdapter.process) so that a refusal is logged
// through our logger, and so that Teams-only and own-tenant-only are enforced before any turn runs.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type Activity,
  CloudAdapter,
  type ConfigurationBotFrameworkAuthentication,
  type TurnContext,
} from "botbuilder";
import type { TeamsConfig } from "../../config.ts";
import { type Engine, errorText } from "../../core/engine.ts";
import type { ChatTimeline, Logger, PasscodeSender } from "../../core/ports.ts";
import { readBody } from "../../http/body.ts";
import type { RawListener } from "../../http/router.ts";
import { isLoopbackUrl } from "../../loopback.ts";
import type { ChatApiObserver } from "../metrics/metrics.ts";
import { activityRefusal, auditRefusal } from "./activity-gate.ts";
import { LatchkeyBot } from "./bot.ts";
import { CachingBotFrameworkAuthentication } from "./connector-cache.ts";
import { createConnectorTransport, DEFAULT_RETRIES, type RetryPolicy } from "./connector-transport.ts";
import { createTeamsDmSender } from "./dm-sender.ts";
import { createTeamsIdentity } from "./identity.ts";
import { localRequestRefusal } from "./local-guard.ts";
import { createProactive } from "./proactive.ts";
import { createSecurityChannel } from "./security-channel.ts";
import { createTeamsTimeline } from "./teams-timeline.ts";
import { turnErrorHandler } from "./turn-error.ts";
import { createWindowGate, TEAMS_WINDOWS, type Window } from "./window-gate.ts";

export const TEAMS_MESSAGES_PATH = "/api/messages";
const MAX_BODY_BYTES = 256 * 1024;

export interface TeamsAdapterOptions {
  config: TeamsConfig;
  log: Logger;
  /** Bot Connector retries, in a turn and in the background (tests shorten them). */
  retries?: Partial<RetryPolicy>;
  /** Per-conversation send windows (Teams' published limits by default; [] switches pacing off). */
  pacing?: { windows: readonly Window[] };
  /** Told about failed and retried Bot Connector calls (metrics). */
  apiCalls?: ChatApiObserver;
  /** How long a Teams identity is trusted before Teams is asked again (10 minutes). */
  identityTtlMs?: number;
  /** How long a submit waits for a reset to start before answering "under way" (3 s). */
  answerWithinMs?: number;
  /**
   * Tests only: where channel tokens' signing keys are published (instead of login.botframework.com),
   * and what signs outgoing calls (instead of Azure AD): a botbuilder ServiceClientCredentialsFactory.
   */
  auth?: { openIdMetadataUrl: string; credentialsFactory?: unknown };
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
  const local = !config.appId;
  const transport = createConnectorTransport({
    retries: { ...DEFAULT_RETRIES, ...opts.retries },
    gate: createWindowGate(opts.pacing?.windows ?? TEAMS_WINDOWS),
    log,
    ...(opts.apiCalls ? { observer: opts.apiCalls } : {}),
  });
  const appId = config.appId ?? "";
  // Two authentications, one per retry budget (connector-transport.ts): the turn adapter's
  // ConnectorClients retry quickly, the background adapter's (proactive sends) longer.
  const authFor = (kind: "turn" | "background") =>
    new CachingBotFrameworkAuthentication(
      {
        ...(config.appId
          ? {
              MicrosoftAppId: config.appId,
              MicrosoftAppPassword: config.appPassword ?? "",
              MicrosoftAppType: config.appType,
              MicrosoftAppTenantId: config.tenantId ?? "",
            }
          : // Local mode: no credentials, so unsigned activities are accepted and replies are unsigned.
            { MicrosoftAppId: "", MicrosoftAppPassword: "", MicrosoftAppType: "MultiTenant" }),
        ...(opts.auth ? publicCloud(opts.auth.openIdMetadataUrl) : {}),
      },
      opts.auth?.credentialsFactory as never,
      undefined,
      undefined,
      { httpClient: transport[kind] } as never,
    );
  const auth = authFor("turn");
  const adapter = new VerifiedAdapter(auth);
  adapter.onTurnError = turnErrorHandler(engine);
  const backgroundAdapter = new VerifiedAdapter(authFor("background"));
  backgroundAdapter.onTurnError = adapter.onTurnError;
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const identity = createTeamsIdentity(engine, {
    tenantId: config.tenantId,
    local,
    ...(opts.identityTtlMs !== undefined ? { ttlMs: opts.identityTtlMs } : {}),
  });
  const bot = new LatchkeyBot({
    engine,
    identity,
    security: createSecurityChannel(engine, config.securityConversation, log),
    local,
    answerWithinMs: opts.answerWithinMs ?? 3000,
    later: track,
  });
  const proactive = createProactive(backgroundAdapter, appId);

  const listener: RawListener = (req, res) => {
    track(
      handle(req, res).catch((err: unknown) => {
        log.error({ component: "teams", err: errorText(err) }, "Teams request failed");
        if (!res.headersSent) res.writeHead(500).end();
      }),
    );
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") return void res.writeHead(405, { allow: "POST" }).end();
    const refused = local ? localRequestRefusal(req) : null;
    if (refused) return answer(res, refused.status, { error: refused.message });
    const activity = await readActivity(req);
    if (activity === "too_large") return void res.writeHead(413).end();
    if (activity === null) return void res.writeHead(400).end();
    // Local mode answers to the activity's serviceUrl unsigned: only ever this machine.
    if (local && !isLoopbackUrl(activity.serviceUrl)) {
      return answer(res, 403, { error: "In local mode the serviceUrl must be on this machine." });
    }
    const header = req.headers.authorization ?? "";
    let authenticated: Awaited<ReturnType<typeof auth.authenticateRequest>>;
    try {
      authenticated = await auth.authenticateRequest(activity, header);
    } catch (err) {
      // A token that does not verify, for whatever reason (missing, forged, expired, keys that
      // could not be fetched), is a 401; logged here rather than on botbuilder's console.
      log.warn(
        { component: "teams", channelId: activity.channelId, hasToken: header !== "", err: errorText(err) },
        "Teams request refused: its Bot Framework token did not verify",
      );
      return answer(res, 401, { error: "Unauthorized" });
    }
    const why = activityRefusal(activity, { local, tenantId: config.tenantId });
    if (why) {
      log.warn({ component: "teams", channelId: activity.channelId, why }, "Teams activity refused");
      await auditRefusal(engine, activity, why);
      return answer(res, 403, { error: `This bot does not serve this activity: ${why}.` });
    }
    const invoke = await adapter.runVerified(authenticated, activity, (ctx) => bot.run(ctx));
    if (invoke?.body === undefined) return void res.writeHead(invoke?.status ?? 200).end();
    answer(res, invoke.status, invoke.body);
  }

  return {
    mode: local ? "local" : "authenticated",
    listener,
    timeline: createTeamsTimeline(engine, proactive),
    sender: createTeamsDmSender(engine, proactive),
    async stop() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** CloudAdapter, given a request already authenticated (CloudAdapter.process would authenticate it again). */
class VerifiedAdapter extends CloudAdapter {
  runVerified(
    authenticated: Awaited<ReturnType<ConfigurationBotFrameworkAuthentication["authenticateRequest"]>>,
    activity: Activity,
    logic: (ctx: TurnContext) => Promise<void>,
  ) {
    return this.processActivity(authenticated, activity, logic);
  }
}

/** The public cloud's settings, with the channel's signing keys published elsewhere (tests). */
function publicCloud(openIdMetadataUrl: string) {
  return {
    ValidateAuthority: true,
    ToChannelFromBotLoginUrl: "https://login.microsoftonline.com/botframework.com",
    ToChannelFromBotOAuthScope: "https://api.botframework.com",
    ToBotFromChannelTokenIssuer: "https://api.botframework.com",
    OAuthUrl: "https://api.botframework.com",
    ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: openIdMetadataUrl,
    CallerId: "urn:botframework:azure",
  };
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}

/** The request body as an activity (its timestamps as dates, as botbuilder expects), or why not. */
async function readActivity(req: IncomingMessage): Promise<Activity | "too_large" | null> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body) return "too_large";
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return null;
  const activity = parsed as Record<string, unknown>;
  if (typeof activity.type !== "string" || typeof activity.serviceUrl !== "string") return null;
  for (const key of ["timestamp", "localTimestamp", "expiration"]) {
    const value = activity[key];
    if (typeof value === "string") {
      activity[`raw${key[0]?.toUpperCase()}${key.slice(1)}`] = value;
      activity[key] = new Date(value);
    }
  }
  return activity as unknown as Activity;
}
