// The composition root: config -> database -> stores -> core -> adapters -> HTTP server.
// The only place that builds services; the CLI and the server both start here.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Database, openDatabase } from "./adapters/db/open-database.ts";
import { createStores } from "./adapters/db/stores.ts";
import { deviceRoutes } from "./adapters/device-api/device-routes.ts";
import { resolvePasscodeKeys } from "./adapters/key-file.ts";
import { createEmailPasscodeSender } from "./adapters/mail/email-passcode-sender.ts";
import { createMailTransport, type MailTransport } from "./adapters/mail/mail-transport.ts";
import { instrumentEngine } from "./adapters/metrics/instrument.ts";
import { createMetrics } from "./adapters/metrics/metrics.ts";
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
import { issueEnrollmentCode } from "./core/enrollment.ts";
import type { Logger, PushChannel, TimelineObserver } from "./core/ports.ts";
import { sweepAll } from "./core/reset/sweep.ts";
import { createSecretBox } from "./core/secrets.ts";
import { threadObserver } from "./core/threads/follow-threads.ts";
import { opsRoutes } from "./http/ops-routes.ts";
import { createRouter, type Route } from "./http/router.ts";
import { parseInventory } from "./inventory/parse-inventory.ts";
import { createPlayground, playgroundEnabled } from "./playground/playground.ts";
import { JOBS } from "./scheduler/jobs.ts";
import { type Scheduler, startScheduler } from "./scheduler/scheduler.ts";
import { createDeviceSimulator, type DeviceSimulator } from "./simulator/device-simulator.ts";
import { simulatorRoutes } from "./simulator/simulator-routes.ts";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface Core {
  engine: Engine;
  database: Database;
  mail: MailTransport;
  keySource: string;
  close(): Promise<void>;
}

/** Database, stores and engine: what both the server and the CLI need. */
export async function composeCore(
  config: Config,
  log: Logger,
  opts: { observers?: TimelineObserver[]; push?: PushChannel } = {},
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
  const engine: Engine = {
    stores: createStores(database.db, systemClock, database.reads),
    push: opts.push ?? fcm ?? createLocalPushChannel({ serverUrl: `http://127.0.0.1:${config.port}` }),
    pushChannelName: fcm ? "Firebase Cloud Messaging" : "the local push channel (simulated device)",
    senders: [createEmailPasscodeSender(mail, { publicUrl: config.publicUrl })],
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

export async function loadDemoInventory(engine: Engine): Promise<number> {
  if ((await engine.stores.directory.countDevices()) > 0) return 0;
  const parsed = parseInventory(readFileSync(join(PROJECT_ROOT, "demo", "inventory.json"), "utf8"), "json");
  if (!parsed.ok) throw new Error(`demo/inventory.json is invalid: ${parsed.errors[0]?.message}`);
  const { devices } = await engine.stores.directory.upsertInventory(parsed.people, parsed.devices);
  return devices;
}

export interface Running {
  core: Core;
  slack: SlackAdapter | null;
  teams: TeamsAdapter | null;
  server: Server;
  url: string;
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
}

/** Starts everything `npm start` runs. Port 0 picks a free port (tests). */
export async function startLatchkey(config: Config, log: Logger, opts: StartOptions = {}): Promise<Running> {
  // Bound first so the port is known (port 0 in tests); until the routes are ready every
  // request gets a quick 503 rather than hanging (health checks hit it during migrations).
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
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
  const core = await composeCore(
    { ...config, port },
    log,
    config.simulator ? { push: createLocalPushChannel({ serverUrl: localUrl }) } : {},
  );
  const { engine } = core;
  const metrics = createMetrics(core.database.db);
  const demoDevices = config.demoInventory ? await loadDemoInventory(engine) : 0;

  const routes: Route[] = [
    { method: "GET", path: "/healthz", handler: async () => ({ status: 200, body: { status: "ok" } }) },
    ...opsRoutes({ database: core.database, metrics, log }),
    ...deviceRoutes(engine, { rate: config.deviceApiRate }),
  ];
  let simulator: DeviceSimulator | null = null;
  if (config.simulator) {
    simulator = createDeviceSimulator({
      serverUrl: localUrl,
      stateFile: join(config.dataDir, "simulator", "phones.json"),
      delayMs: config.simulatorDelayMs,
      log,
      device: (id) => engine.stores.directory.device(id),
      enrollmentCode: async (id) => {
        const issued = await issueEnrollmentCode(engine, id);
        return issued.ok ? issued.code : null;
      },
    });
    routes.push(
      ...simulatorRoutes(simulator, async (id) => (await engine.stores.directory.device(id)) !== null),
    );
  }
  // The Playground (embedded defaults only): the page plays Slack and Teams through the real adapters.
  const playground = playgroundEnabled(config)
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
  simulator?.resume();
  const scheduler = startScheduler(engine, JOBS, `${process.pid}@${port}`, metrics.jobRun);

  return {
    core,
    slack,
    teams,
    server,
    url: localUrl,
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
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await closed;
      await core.close();
    },
  };
}
