// The composition root: config -> database -> stores -> core -> adapters -> HTTP server.
// The only place that builds services; the CLI and the server both start here.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Database, openDatabase } from "./adapters/db/open-database.ts";
import { readinessOf } from "./adapters/db/readiness.ts";
import { createStores } from "./adapters/db/stores.ts";
import { createDeviceApi } from "./adapters/device-api/device-routes.ts";
import { type IntuneWiring, intuneWiring } from "./adapters/intune/intune-wiring.ts";
import { resolvePasscodeKeys } from "./adapters/key-file.ts";
import { createEmailPasscodeSender } from "./adapters/mail/email-passcode-sender.ts";
import { createMailTransport, type MailTransport } from "./adapters/mail/mail-transport.ts";
import { instrumentEngine } from "./adapters/metrics/instrument.ts";
import { createMetrics } from "./adapters/metrics/metrics.ts";
import { startMetricsServer } from "./adapters/metrics/metrics-server.ts";
import { createFcmPushChannel } from "./adapters/push/fcm-push-channel.ts";
import { createLocalPushChannel } from "./adapters/push/local-push-channel.ts";
import {
  createSlackAdapter,
  SLACK_EVENTS_PATH,
  type SlackAdapter,
  type SlackAdapterOptions,
} from "./adapters/slack/slack-adapter.ts";
import { cryptoRandom, systemClock } from "./adapters/system.ts";
import {
  createTeamsAdapter,
  TEAMS_MESSAGES_PATH,
  type TeamsAdapter,
  type TeamsAdapterOptions,
} from "./adapters/teams/teams-adapter.ts";
import type { Config } from "./config.ts";
import { DEFAULT_SETTINGS, type Engine, settled } from "./core/engine.ts";
import type { Logger, PushChannel, TimelineObserver } from "./core/ports.ts";
import { sweepAll } from "./core/reset/sweep.ts";
import { createSecretBox } from "./core/secrets.ts";
import { threadObserver } from "./core/threads/follow-threads.ts";
import { metricsRoute, opsRoutes } from "./http/ops-routes.ts";
import { createRouter, type Route } from "./http/router.ts";
import { createLimitedServer } from "./http/server-limits.ts";
import { loadDemoInventory } from "./inventory/demo-inventory.ts";
import { createPlayground } from "./playground/playground.ts";
import { JOBS } from "./scheduler/jobs.ts";
import { type Scheduler, startScheduler } from "./scheduler/scheduler.ts";
import type { DeviceSimulator } from "./simulator/device-simulator.ts";
import { createSimulatedFleet } from "./simulator/simulated-fleet.ts";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface Core {
  engine: Engine;
  /** Intune's Graph client, commands, sync and its duty: with INTUNE_* only. */
  intune: IntuneWiring | null;
  database: Database;
  mail: MailTransport;
  keySource: string;
  close(): Promise<void>;
}

/** Database, stores and engine: what both the server and the CLI need. */
export async function composeCore(
  config: Config,
  log: Logger,
  opts: { observers?: TimelineObserver[]; push?: PushChannel; intuneCa?: string } = {},
): Promise<Core> {
  const keys = resolvePasscodeKeys(config);
  const database = await openDatabase(config.database.url);
  const mail = createMailTransport({
    smtpUrl: config.smtpUrl,
    outboxDir: config.outboxDir,
    from: config.mailFrom,
  });
  const fcm = config.firebaseServiceAccount
    ? createFcmPushChannel({ serviceAccountPath: config.firebaseServiceAccount })
    : null;
  const push =
    fcm ??
    (config.simulator
      ? createLocalPushChannel({ serverUrl: `http://127.0.0.1:${config.port}` })
      : CHECK_IN_ONLY);
  const intune = intuneWiring(config.intune, log, opts.intuneCa ? { ca: opts.intuneCa } : {});
  const engine: Engine = {
    stores: createStores(database, systemClock),
    push: opts.push ?? push,
    pushChannelName: fcm
      ? "Firebase Cloud Messaging"
      : config.simulator
        ? "the local push channel (simulated device)"
        : "no push service (the device's agent picks the command up when it next checks in)",
    senders: [createEmailPasscodeSender(mail, { publicUrl: config.publicUrl })],
    backends: intune ? { intune: intune.commands } : {},
    secrets: createSecretBox(keys.key, keys.previous),
    clock: systemClock,
    random: cryptoRandom,
    log,
    settings: {
      ...DEFAULT_SETTINGS,
      requestExpiryMs: config.requestExpiryMs,
      staleDeviceAfterMs: config.staleDeviceAfterMs,
      passcodeRetentionMs: config.passcodeRetentionMs,
      chatRedactAfterMs: config.chatRedactAfterMs,
      requireApproval: config.approval.required,
      approvalTtlMs: config.approval.ttlMs,
    },
    admins: new Set(config.admins),
    observers: [...(opts.observers ?? [])],
    timelines: [],
  };
  engine.observers.push(threadObserver(engine));
  return {
    engine,
    intune,
    database,
    mail,
    keySource: keys.source,
    async close() {
      await settled(engine);
      mail.close();
      await fcm?.close();
      await database.close();
    },
  };
}

/** SIMULATED_DEVICES=false on the embedded default: nothing is pushed; agents poll for their commands. */
const CHECK_IN_ONLY: PushChannel = { send: async () => ({ ok: true }) };

export interface Running {
  core: Core;
  slack: SlackAdapter | null;
  teams: TeamsAdapter | null;
  server: Server;
  url: string;
  /** The metrics listener (METRICS_PORT) and its URL, or null when it is off. */
  metricsUrl: string | null;
  metricsServer: Server | null;
  /** The Playground's per-start token (its URL is `<url>/?token=<token>`), or null when it is off. */
  playground: { token: string } | null;
  simulator: DeviceSimulator | null;
  scheduler: Scheduler;
  demoDevices: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Slack pacing and retries (tests shorten them). */
  slack?: Omit<SlackAdapterOptions, "config" | "log">;
  /** Teams pacing and retries (tests shorten them). */
  teams?: Omit<TeamsAdapterOptions, "config" | "log">;
  /** In-process tests only: the CA of a local Graph stand-in (production trusts NODE_EXTRA_CA_CERTS). */
  intuneCa?: string;
}

/** Starts everything `npm start` runs. Port 0 picks a free port (tests). */
export async function startLatchkey(config: Config, log: Logger, opts: StartOptions = {}): Promise<Running> {
  // Bound first so the port is known (port 0 in tests); until the routes are ready every
  // request gets a quick 503 rather than hanging (health checks hit it during migrations).
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createLimitedServer((req, res) => {
    if (handler) handler(req, res);
    else
      res
        .writeHead(503, { "content-type": "application/json", "retry-after": "1" })
        .end('{"status":"starting"}');
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(config.port, config.host, () => ok());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const localUrl = `http://127.0.0.1:${port}`;
  if (config.hostWarning) log.warn({ setting: "HOST", host: config.host }, config.hostWarning);
  const simulated =
    "SIMULATED_DEVICES=true: devices are simulated, pushes reach no phone, and /simulator/* is served";
  if (config.simulatorExplicit)
    log.warn({ setting: "SIMULATED_DEVICES" }, `${simulated}; never with real devices`);
  const core = await composeCore({ ...config, port }, log, {
    ...(config.simulator ? { push: createLocalPushChannel({ serverUrl: localUrl }) } : {}),
    ...(opts.intuneCa ? { intuneCa: opts.intuneCa } : {}),
  });
  const { engine } = core;
  const metrics = createMetrics({
    ping: () => core.database.sql.ping(),
    requests: engine.stores.requests,
    deliveries: engine.stores.deliveries,
  });
  const metricsServer = await startMetricsServer(metrics, config.metrics, log).catch(async (err: unknown) => {
    await new Promise<void>((ok) => server.close(() => ok()));
    await core.close();
    throw err;
  });
  const demoDevices = config.demoInventory ? await loadDemoInventory(engine, PROJECT_ROOT) : 0;

  const deviceApi = createDeviceApi(engine, { rate: config.deviceApiRate });
  const routes: Route[] = [
    { method: "GET", path: "/healthz", handler: async () => ({ status: 200, body: { status: "ok" } }) },
    ...opsRoutes({ database: core.database.kind, readiness: readinessOf(core.database), log }),
    // Without a token, /metrics is only on its own listener: the main port answers 404.
    ...(config.metrics.token ? [metricsRoute(metrics, config.metrics.token)] : []),
    ...deviceApi.routes,
  ];
  const fleet = config.simulator ? createSimulatedFleet(engine, config, localUrl) : null;
  const simulator = fleet?.simulator ?? null;
  routes.push(...(fleet?.routes ?? []));
  // The Playground (embedded defaults only): the page plays Slack and Teams through the real adapters.
  const playground = config.playground
    ? createPlayground({
        engine,
        log,
        localUrl,
        outboxDir: config.outboxDir,
        admins: config.admins,
        teams: config.teams !== null,
        simulator,
      })
    : null;
  if (playground) {
    routes.push(...playground.routes);
    engine.observers.push(playground.observer);
  }
  const slackConfig = config.slack ?? playground?.slackConfig ?? null;
  const slack = slackConfig
    ? createSlackAdapter(engine, {
        ...opts.slack,
        config: slackConfig,
        log,
        apiCalls: metrics.chatApi("slack"),
      })
    : null;
  if (slack) {
    engine.timelines.push(slack.timeline);
    engine.senders.push(slack.sender);
  }
  const teams = config.teams
    ? createTeamsAdapter(engine, {
        ...opts.teams,
        config: config.teams,
        log,
        apiCalls: metrics.chatApi("teams"),
      })
    : null;
  if (teams) {
    engine.timelines.push(teams.timeline);
    engine.senders.push(teams.sender);
  }
  instrumentEngine(engine, metrics); // counts pushes, deliveries, time to lock; rq_ ids in logs
  handler = createRouter(routes, log, {
    raw: [
      ...(slack?.listener ? [{ prefix: SLACK_EVENTS_PATH, listener: slack.listener }] : []),
      ...(teams ? [{ prefix: TEAMS_MESSAGES_PATH, listener: teams.listener }] : []),
      ...(playground ? [playground.mount] : []),
    ],
    onResponse: metrics.httpRequest,
    trustProxyHops: config.trustProxyHops,
  });
  await slack?.start();

  // Resume whatever a previous run left unfinished: the sequence is driven from the database.
  await sweepAll(engine);
  // Simulated phones check in as real agents do when they start (enrolling first if new), so
  // they show as seen just now. Awaited: once start-up returns, the demo is as the banner says and
  // nothing the phones write (their enrollment audit rows) lands under a first request.
  await simulator
    ?.resume()
    .catch((err: unknown) => log.warn({ err: String(err) }, "simulated phones' check-in failed"));
  const jobs = [...JOBS, ...(core.intune?.duties ?? [])]; // Intune's: with INTUNE_* only
  const scheduler = startScheduler(engine, jobs, `${process.pid}@${port}`, metrics.jobRun);

  return {
    core,
    slack,
    teams,
    server,
    url: localUrl,
    metricsUrl: metricsServer?.url ?? null,
    metricsServer: metricsServer?.server ?? null,
    playground: playground ? { token: playground.token } : null,
    simulator,
    scheduler,
    demoDevices,
    async stop() {
      await scheduler.stop();
      // Chat threads still catching up finish while their adapters are up.
      await settled(engine);
      await slack?.stop();
      await teams?.stop();
      await simulator?.stop();
      await metricsServer?.close();
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await closed;
      await deviceApi.flush(); // refusals counted in this window reach the audit log
      await core.close();
    },
  };
}
