// The Slack adapter: a Bolt app whose receiver verifies every request's signature (HTTP mode at
// POST /slack/events) or holds a Socket Mode connection, its handlers, the timeline that follows
// requests in threads, and the DM channel for passcodes. Everything Slack-specific lives in this
// folder; the handlers parse, call one core use case, and render.
import { App, type Receiver, webApi } from "@slack/bolt";
import type { SlackConfig } from "../../config.ts";
import type { Engine } from "../../core/engine.ts";
import type { ChatTimeline, Logger, PasscodeSender } from "../../core/ports.ts";
import type { RawListener } from "../../http/router.ts";
import type { ChatApiObserver } from "../metrics/metrics.ts";
import { createWorkLimiter } from "../work-limiter.ts";
import { boltLogger } from "./bolt-logger.ts";
import { createSlackDmSender } from "./dm-sender.ts";
import { registerCommand } from "./handlers/command.ts";
import type { SlackDeps } from "./handlers/deps.ts";
import { publishHome, registerHome } from "./handlers/home.ts";
import { registerLostDevice } from "./handlers/lost-device.ts";
import { registerResetModal } from "./handlers/reset-modal.ts";
import { registerStatusActions } from "./handlers/status-actions.ts";
import { createHttpReceiver } from "./http-receiver.ts";
import { createSlackIdentity } from "./identity.ts";
import { createRateGate } from "./rate-gate.ts";
import { createSlackRouter } from "./routes.ts";
import { plainSlackError } from "./slack-errors.ts";
import { createSlackPoster, slackFailureCode } from "./slack-poster.ts";
import { createSlackTimeline } from "./slack-timeline.ts";
import { LatchkeySocketModeReceiver } from "./socket-mode-receiver.ts";
import { createWebFetch } from "./web-fetch.ts";

export { SLACK_EVENTS_PATH } from "./http-receiver.ts";

/** Reset forms built at once after their acks, and how many may wait (bench/results.md). */
const FORM_LIMITS = { concurrency: 4, maxQueue: 64 };

export interface SlackAdapterOptions {
  config: SlackConfig;
  log: Logger;
  /** Pacing (defaults follow Slack's published rates); tests shorten them. */
  postIntervalMs?: number;
  updateIntervalMs?: number;
  /** Web API retries on 5xx and network errors; a 429 is retried after its Retry-After. */
  retries?: { retries: number; minTimeout: number; maxTimeout: number };
  /** Reset forms built at once after their acks, and how many may wait (tests shrink them). */
  formLimits?: { concurrency: number; maxQueue: number };
  /** Told about failed and retried Web API calls (metrics). */
  apiCalls?: ChatApiObserver;
}

export interface SlackAdapter {
  mode: "http" | "socket";
  /** Mounted at /slack/events in HTTP mode; null in Socket Mode. */
  listener: RawListener | null;
  timeline: ChatTimeline;
  sender: PasscodeSender;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlackAdapter(engine: Engine, opts: SlackAdapterOptions): SlackAdapter {
  const { config, log } = opts;
  const logger = boltLogger(log);
  const retries = opts.retries ?? { retries: 4, minTimeout: 1000, maxTimeout: 20_000 };
  const transport = createWebFetch();
  const clientOptions = {
    fetch: transport.fetch,
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
    // Bounded well under the thread lease (2 min): a stuck call must not outlive its lease.
    retryConfig: { ...retries, factor: 2, onFailedAttempt: countRetry(opts.apiCalls) },
    timeout: 10_000,
    logger,
  };
  let receiver: Receiver;
  let listener: RawListener | null = null;
  if (config.appToken) {
    receiver = new LatchkeySocketModeReceiver({
      appToken: config.appToken,
      logger,
      ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
    });
  } else {
    if (!config.signingSecret) throw new Error("SLACK_SIGNING_SECRET is required for HTTP mode");
    ({ receiver, requestListener: listener } = createHttpReceiver(config.httpReceiver, {
      signingSecret: config.signingSecret,
      logger,
    }));
  }
  // No conversation store: nothing reads it, and Bolt would run its middleware on every request.
  const app = new App({
    token: config.botToken,
    receiver,
    clientOptions,
    logger,
    ignoreSelf: true,
    convoStore: false,
  });
  const identity = createSlackIdentity(engine, app.client);
  const postGate = createRateGate(opts.postIntervalMs ?? 1100);
  const updateGate = createRateGate(opts.updateIntervalMs ?? 1200);
  // Background posting (timeline, DMs, redaction, Home refresh) has a client of its own: a 429 on
  // it pauses only its queue, never the interactive calls a 3-second trigger depends on.
  const background = new webApi.WebClient(config.botToken, clientOptions);
  const poster = createSlackPoster(background, { post: postGate, update: updateGate }, opts.apiCalls);
  const deps: SlackDeps = {
    engine,
    client: app.client,
    background,
    identity,
    securityChannel: config.securityChannel,
    forms: createWorkLimiter(opts.formLimits ?? FORM_LIMITS),
  };

  // One entry in Bolt's middleware for every handler (routes.ts says why).
  const router = createSlackRouter();
  registerCommand(router.routes, deps);
  registerResetModal(router.routes, deps);
  registerLostDevice(router.routes, deps);
  registerStatusActions(router.routes, deps);
  registerHome(router.routes, deps);
  app.use(router.middleware);
  app.error(async (err) => {
    log.error(
      { component: "slack", err: err.message, code: (err as { code?: string }).code },
      "Slack request failed",
    );
  });

  return {
    mode: config.appToken ? "socket" : "http",
    listener,
    timeline: createSlackTimeline(engine, poster, identity, async (view) => {
      // A request has either the admin's thread or the employee's own one (never both), so the
      // owner's Home tab is refreshed once per state change, not once per thread.
      if (view.thread.purpose !== "owner" && view.thread.purpose !== "requester") return;
      const ownerId = view.ownerChatId ?? null;
      if (ownerId) await publishHome(deps, ownerId);
    }),
    sender: createSlackDmSender(engine, poster, identity),
    async start() {
      // A wrong token would otherwise only show when the first admin tries: say it at start (in
      // the background: a Slack outage must not hold up start-up).
      void app.client.auth.test().then(
        (r) => log.info({ component: "slack", team: r.team, bot: r.user }, "Slack token accepted"),
        (err: unknown) =>
          log.error(
            { component: "slack", err: plainSlackError(err) },
            "Slack refused the bot token at start",
          ),
      );
      if (config.appToken) await app.start();
    },
    async stop() {
      if (config.appToken) await app.stop();
      transport.close();
    },
  };
}

/** p-retry's hook: told of each failed attempt, retried while attempts are left. Never throws. */
function countRetry(observer: ChatApiObserver | undefined) {
  return (err: Error & { retriesLeft?: number }) => {
    if (!observer || !err.retriesLeft) return;
    const method = /\/api\/([\w.]+)/.exec(err.message)?.[1] ?? "web_api";
    observer.retried(method, /rate limit/i.test(err.message) ? "ratelimited" : slackFailureCode(err));
  };
}
