// The one schema over the environment, parsed once at boot. The only reader of process.env.
import { z } from "zod";
import { decodeKey, keyList } from "./config-keys.ts";
import { parseRate, type RateLimit } from "./http/rate-limit.ts";

export { decodeKey };

const bool = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const s = v.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(s)) return true;
      if (["false", "0", "no", "off"].includes(s)) return false;
      ctx.addIssue({ code: "custom", message: `${name} must be true or false, got "${v}"` });
      return z.NEVER;
    });

const duration = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const ms = parseDuration(v === undefined || v.trim() === "" ? fallback : v);
      if (ms === null) {
        ctx.addIssue({
          code: "custom",
          message: `expected a duration such as 90s, 15m, 1h or 7d, got "${v}"`,
        });
        return z.NEVER;
      }
      return ms;
    });

export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as "ms" | "s" | "m" | "h" | "d"
  ];
  return Number(m[1]) * unit;
}

const emailList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const list = (v ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    for (const e of list) {
      if (!z.email().safeParse(e).success) {
        ctx.addIssue({ code: "custom", message: `"${e}" is not an email address` });
        return z.NEVER;
      }
    }
    return list;
  });

/** Per device, 120 a minute: an agent makes a handful of calls per reset. Per address, 20. */
export const DEFAULT_DEVICE_API_RATE: DeviceApiRate = {
  device: { limit: 120, windowMs: 60_000 },
  unauthenticated: { limit: 20, windowMs: 60_000 },
};

const deviceApiRate = z
  .string()
  .optional()
  .transform((v, ctx): DeviceApiRate => {
    if (!v) return DEFAULT_DEVICE_API_RATE;
    const rates = v.split(",").map(parseRate);
    const [device, unauthenticated = DEFAULT_DEVICE_API_RATE.unauthenticated, ...extra] = rates;
    if (device && unauthenticated && extra.length === 0) return { device, unauthenticated };
    const message = `expected calls per window per device, then optionally per client address before it authenticates, such as "120/m" or "120/m,20/m"; got "${v}"`;
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  });

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
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
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  database: { kind: "sqlite"; url: string } | { kind: "postgresql"; url: string };
  smtpUrl: string | null;
  mailFrom: string;
  outboxDir: string;
  firebaseServiceAccount: string | null;
  /** True when pushes go to the local channel and devices are simulated. */
  simulator: boolean;
  admins: string[];
  passcodeKey: Buffer | null;
  /** Older keys that still open what they sealed (PASSCODE_KEY_PREVIOUS), for a rotation. */
  previousPasscodeKeys: Buffer[];
  /** Device API limits: per device once authenticated; per client address for enrollment and bad secrets. */
  deviceApiRate: { device: RateLimit; unauthenticated: RateLimit };
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
}

export type DeviceApiRate = Config["deviceApiRate"];

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

export class ConfigError extends Error {}

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
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    dataDir,
    database: dbUrl.startsWith("file:") ? { kind: "sqlite", url: dbUrl } : { kind: "postgresql", url: dbUrl },
    smtpUrl: e.SMTP_URL || null,
    mailFrom: e.MAIL_FROM,
    outboxDir: `${dataDir.replace(/\/$/, "")}/outbox`,
    firebaseServiceAccount: e.FIREBASE_SERVICE_ACCOUNT || null,
    simulator: !e.FIREBASE_SERVICE_ACCOUNT,
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
    teams: teamsConfig(e),
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

function teamsConfig(e: z.infer<typeof envSchema>): TeamsConfig | null {
  if (!e.TEAMS_ENABLED) return null;
  // Without an app id, /api/messages accepts unsigned activities (local mode, for the Emulator and
  // the Agents Playground): anyone could claim to be an admin. That is only acceptable with
  // simulated devices; with real push (FIREBASE_SERVICE_ACCOUNT) Teams needs its app id.
  if (!e.MICROSOFT_APP_ID && e.FIREBASE_SERVICE_ACCOUNT) return null;
  const problems: string[] = [];
  if (e.MICROSOFT_APP_ID && !e.MICROSOFT_APP_PASSWORD && e.MICROSOFT_APP_TYPE !== "UserAssignedMSI") {
    problems.push("  MICROSOFT_APP_PASSWORD: required with MICROSOFT_APP_ID (the bot's client secret)");
  }
  if (e.MICROSOFT_APP_ID && e.MICROSOFT_APP_TYPE !== "MultiTenant" && !e.MICROSOFT_APP_TENANT_ID) {
    problems.push(`  MICROSOFT_APP_TENANT_ID: required for a ${e.MICROSOFT_APP_TYPE} bot`);
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
