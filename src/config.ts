// The one schema over the environment, parsed once at boot. The only reader of process.env.

import { z } from "zod";
import { type IntuneConfig, intuneConfig, intuneEnvSchema } from "./config-intune.ts";
import { decodeKey, keyList } from "./config-keys.ts";
import {
  bool,
  ConfigError,
  DEFAULT_DEVICE_API_RATE,
  type DeviceApiRate,
  deviceApiRate,
  duration,
  emailList,
  optionalBool,
  parseDuration,
  portOrOff,
  simulatedDevices,
} from "./config-values.ts";
import { isLoopbackName } from "./loopback.ts";

export { ConfigError, DEFAULT_DEVICE_API_RATE, type DeviceApiRate, decodeKey, parseDuration };

/** The metrics listener's port unless METRICS_PORT says otherwise (Prometheus exporters' usual one). */
export const DEFAULT_METRICS_PORT = 9464;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Unset: 127.0.0.1 when Teams local mode or the Playground is on, else 0.0.0.0. */
  HOST: z.string().optional(),
  NODE_ENV: z.string().optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATA_DIR: z.string().default("./data"),
  DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || /^(file:|postgres(ql)?:\/\/)/.test(v), {
      message: "must be a file: URL (embedded SQLite) or a postgresql:// URL",
    }),
  SMTP_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || /^smtps?:\/\//.test(v), {
      message: "must be an smtp:// or smtps:// URL",
    }),
  MAIL_FROM: z.string().default("Latchkey <latchkey@localhost>"),
  FIREBASE_SERVICE_ACCOUNT: z.string().optional(),
  SIMULATED_DEVICES: optionalBool("SIMULATED_DEVICES"),
  LATCHKEY_ADMINS: emailList,
  PASSCODE_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || decodeKey(v) !== null, {
      message: "must be 32 bytes, as 64 hex characters or base64",
    }),
  PASSCODE_KEY_PREVIOUS: keyList,
  DEVICE_API_RATE: deviceApiRate,
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  REQUEST_EXPIRY: duration("24h"),
  STALE_DEVICE_AFTER: duration("7d"),
  PASSCODE_RETENTION: duration("1h"),
  DM_REDACT_AFTER: duration("1h"),
  REQUIRE_APPROVAL: bool("REQUIRE_APPROVAL", false),
  APPROVAL_TTL: duration("30m"),
  DEMO_INVENTORY: bool("DEMO_INVENTORY", true),
  SIMULATOR_DELAY: duration("400ms"),
  SLACK_BOT_TOKEN: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.startsWith("xoxb-"), { message: "must be a bot token (xoxb-...)" }),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.startsWith("xapp-"), {
      message: "must be an app-level token (xapp-...)",
    }),
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  SLACK_HTTP_RECEIVER: z.enum(["latchkey", "bolt"]).default("latchkey"),
  SLACK_SECURITY_CHANNEL: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^[CGD][A-Z0-9]{2,}$/.test(v), {
      message: "must be a channel id such as C0123456789 (channel details > About), not a #name",
    }),
  MICROSOFT_APP_ID: z.string().optional(),
  MICROSOFT_APP_PASSWORD: z.string().optional(),
  MICROSOFT_APP_TYPE: z.enum(["SingleTenant", "MultiTenant", "UserAssignedMSI"]).default("SingleTenant"),
  MICROSOFT_APP_TENANT_ID: z.string().optional(),
  TEAMS_ENABLED: bool("TEAMS_ENABLED", true),
  TEAMS_SECURITY_CONVERSATION: z.string().optional(),
  METRICS_PORT: portOrOff,
  METRICS_HOST: z.string().default("127.0.0.1"),
  METRICS_TOKEN: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.trim().length >= 16, {
      message: "must be at least 16 characters (a random string, such as `openssl rand -hex 32`)",
    }),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  ...intuneEnvSchema,
});

export interface Config {
  port: number;
  host: string;
  /** Why the address HOST names is risky (local-only features on a non-loopback HOST), or null. */
  hostWarning: string | null;
  publicUrl: string;
  dataDir: string;
  database: { kind: "sqlite"; url: string } | { kind: "postgresql"; url: string };
  smtpUrl: string | null;
  mailFrom: string;
  outboxDir: string;
  firebaseServiceAccount: string | null;
  /** True when pushes go to the local channel and devices are simulated. */
  simulator: boolean;
  /** SIMULATED_DEVICES=true: simulated devices asked for outside the embedded default. */
  simulatorExplicit: boolean;
  /** The Playground (src/playground) is served: simulated devices, no real Slack or Teams credentials. */
  playground: boolean;
  /** /metrics: its own listener (port null: none), and on the main port behind this bearer token. */
  metrics: { port: number | null; host: string; token: string | null };
  admins: string[];
  passcodeKey: Buffer | null;
  /** Older keys that still open what they sealed (PASSCODE_KEY_PREVIOUS), for a rotation. */
  previousPasscodeKeys: Buffer[];
  /** Device API limits: per device once authenticated; per client address for enrollment and bad secrets. */
  deviceApiRate: DeviceApiRate;
  /** Reverse proxies in front that append to X-Forwarded-For (0: the header is not read). */
  trustProxyHops: number;
  requestExpiryMs: number;
  staleDeviceAfterMs: number;
  passcodeRetentionMs: number;
  /** How long a chat DM shows a passcode before it is edited out. */
  chatRedactAfterMs: number;
  approval: { required: boolean; ttlMs: number };
  demoInventory: boolean;
  simulatorDelayMs: number;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  /** Null when Slack is not configured (the bot runs without it). */
  slack: SlackConfig | null;
  /** Null when Teams is switched off (TEAMS_ENABLED=false). */
  teams: TeamsConfig | null;
  /** Null when the INTUNE_* credentials are not set (no Intune back-end). */
  intune: IntuneConfig | null;
}

export interface TeamsConfig {
  /** Null: local unauthenticated mode (Bot Framework Emulator, Agents Playground, tests). */
  appId: string | null;
  appPassword: string | null;
  appType: "SingleTenant" | "MultiTenant" | "UserAssignedMSI";
  tenantId: string | null;
  /** Conversation id of the channel that gets lost-device alerts. */
  securityConversation: string | null;
}

export interface SlackConfig {
  botToken: string;
  /** HTTP mode (POST /slack/events) verifies requests with it; Socket Mode does not need it. */
  signingSecret: string | null;
  /** Socket Mode when set. */
  appToken: string | null;
  /** Web API base URL, ending in "/" (https://slack.com/api/ by default). */
  apiUrl: string | null;
  securityChannel: string | null;
  /** HTTP mode's Bolt receiver: Latchkey's lean one (default) or Bolt's stock HTTPReceiver. */
  httpReceiver: "latchkey" | "bolt";
}

/** Parses the environment; throws ConfigError naming every variable at fault. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty value means unset (a `PORT=` line in an env file must not bind port 0).
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "environment"}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const slack = slackConfig(e);
  const dataDir = e.DATA_DIR;
  const dbUrl = e.DATABASE_URL || `file:${dataDir.replace(/\/$/, "")}/latchkey.db`;
  const database = dbUrl.startsWith("file:")
    ? { kind: "sqlite" as const, url: dbUrl }
    : { kind: "postgresql" as const, url: dbUrl };
  const simulator = simulatedDevices(e, database.kind === "postgresql");
  const teams = teamsConfig(e, simulator);
  const playground = simulator && slack === null && (teams === null || teams.appId === null);
  const localOnly = [
    ...(teams && !teams.appId ? ["Teams local mode"] : []),
    ...(playground ? ["the Playground"] : []),
  ];
  return {
    port: e.PORT,
    host: e.HOST ?? (localOnly.length > 0 ? "127.0.0.1" : "0.0.0.0"),
    hostWarning:
      e.HOST !== undefined && localOnly.length > 0 && !isLoopbackName(e.HOST)
        ? `HOST=${e.HOST} is not a loopback address, but ${localOnly.join(" and ")} must serve this machine only: anything that relays to this port (a proxy, a tunnel, port forwarding) reaches ${localOnly.length > 1 ? "them" : "it"}. Unset HOST (127.0.0.1) unless you mean it.`
        : null,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    dataDir,
    database,
    smtpUrl: e.SMTP_URL || null,
    mailFrom: e.MAIL_FROM,
    outboxDir: `${dataDir.replace(/\/$/, "")}/outbox`,
    firebaseServiceAccount: e.FIREBASE_SERVICE_ACCOUNT || null,
    simulator,
    simulatorExplicit: e.SIMULATED_DEVICES === true,
    playground,
    metrics: {
      // PORT=0 (a free port, as tests ask) makes the metrics port a free one too.
      port: e.METRICS_PORT === undefined ? (e.PORT === 0 ? 0 : DEFAULT_METRICS_PORT) : e.METRICS_PORT,
      host: e.METRICS_HOST,
      token: e.METRICS_TOKEN?.trim() || null,
    },
    admins: e.LATCHKEY_ADMINS,
    passcodeKey: e.PASSCODE_KEY ? decodeKey(e.PASSCODE_KEY) : null,
    previousPasscodeKeys: e.PASSCODE_KEY_PREVIOUS,
    deviceApiRate: e.DEVICE_API_RATE,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    requestExpiryMs: e.REQUEST_EXPIRY,
    staleDeviceAfterMs: e.STALE_DEVICE_AFTER,
    passcodeRetentionMs: e.PASSCODE_RETENTION,
    chatRedactAfterMs: e.DM_REDACT_AFTER,
    approval: { required: e.REQUIRE_APPROVAL, ttlMs: e.APPROVAL_TTL },
    demoInventory: e.DEMO_INVENTORY,
    simulatorDelayMs: e.SIMULATOR_DELAY,
    logLevel: e.LOG_LEVEL,
    slack,
    teams,
    intune: intuneConfig(e),
  };
}

function slackConfig(e: z.infer<typeof envSchema>): SlackConfig | null {
  const any = e.SLACK_BOT_TOKEN || e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN || e.SLACK_SECURITY_CHANNEL;
  if (!any) return null;
  const missing: string[] = [];
  if (!e.SLACK_BOT_TOKEN) missing.push("  SLACK_BOT_TOKEN: required when any SLACK_ setting is given");
  if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    missing.push("  SLACK_SIGNING_SECRET: required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)");
  }
  if (missing.length > 0 || !e.SLACK_BOT_TOKEN)
    throw new ConfigError(`Invalid configuration:\n${missing.join("\n")}`);
  const apiUrl = e.SLACK_API_URL ? e.SLACK_API_URL.replace(/\/?$/, "/") : null;
  return {
    botToken: e.SLACK_BOT_TOKEN,
    signingSecret: e.SLACK_SIGNING_SECRET || null,
    appToken: e.SLACK_APP_TOKEN || null,
    apiUrl,
    securityChannel: e.SLACK_SECURITY_CHANNEL || null,
    httpReceiver: e.SLACK_HTTP_RECEIVER,
  };
}

function teamsConfig(e: z.infer<typeof envSchema>, simulator: boolean): TeamsConfig | null {
  if (!e.TEAMS_ENABLED) return null;
  // Without an app id, /api/messages accepts unsigned activities (local mode, for the Emulator and
  // the Agents Playground): anyone could claim to be an admin. That is only acceptable with
  // simulated devices; with real devices Teams needs its app id.
  if (!e.MICROSOFT_APP_ID && !simulator) return null;
  const problems: string[] = [];
  if (e.MICROSOFT_APP_ID && !e.MICROSOFT_APP_PASSWORD && e.MICROSOFT_APP_TYPE !== "UserAssignedMSI") {
    problems.push("  MICROSOFT_APP_PASSWORD: required with MICROSOFT_APP_ID (the bot's client secret)");
  }
  // MultiTenant too: without a tenant id, activities from any Microsoft 365 organisation that
  // installs the app would be served (and their users could match people in this directory).
  if (e.MICROSOFT_APP_ID && !e.MICROSOFT_APP_TENANT_ID) {
    problems.push(
      `  MICROSOFT_APP_TENANT_ID: required for a ${e.MICROSOFT_APP_TYPE} bot (the tenant whose activities Latchkey serves)`,
    );
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
  return {
    appId: e.MICROSOFT_APP_ID || null,
    appPassword: e.MICROSOFT_APP_PASSWORD || null,
    appType: e.MICROSOFT_APP_TYPE,
    tenantId: e.MICROSOFT_APP_TENANT_ID || null,
    securityConversation: e.TEAMS_SECURITY_CONVERSATION || null,
  };
}
