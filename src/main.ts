// `npm start`: parse the configuration, start Latchkey, say where everything is.

import { createLogger } from "./adapters/log/logger.ts";
import { startLatchkey } from "./compose.ts";
import { ConfigError, loadConfig } from "./config.ts";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `${err.message}\nSee docs/configuration.md (every variable, its default and meaning) and .env.example.\n`,
      );
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let running: Awaited<ReturnType<typeof startLatchkey>>;
  try {
    running = await startLatchkey(config, log);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`Latchkey could not start: ${message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  const { core } = running;
  const publicUrl = config.publicUrl;
  const port = new URL(running.url).port;
  const lines = [
    "",
    `Latchkey is running on ${publicUrl} (listening on ${config.host}:${port}; health: ${publicUrl}/healthz)`,
    ...(running.playground
      ? [
          `  Playground  http://localhost:${port}/?token=${running.playground.token}  (this machine only; the token changes at every start)`,
        ]
      : []),
    ...(config.hostWarning ? [`  WARNING     ${config.hostWarning}`] : []),
    ...(config.simulatorExplicit
      ? [
          "  WARNING     SIMULATED_DEVICES=true: every device is simulated and no real phone is reached. Never with real devices.",
        ]
      : []),
    `  database    ${core.database.kind} at ${core.database.location} (${core.database.migrations.applied.length} migration(s) applied now, ${core.database.migrations.total} in all)`,
    `  passcodes   encrypted with the key from ${core.keySource}`,
    `  push        ${pushLine(config, publicUrl)}`,
    `  mail        ${core.mail.kind === "smtp" ? "SMTP (SMTP_URL)" : `outbox folder ${config.outboxDir}/*.eml`}`,
    `  inventory   ${running.demoDevices > 0 ? `demo inventory loaded (${running.demoDevices} devices)` : "as stored"}; list it with \`npm run latchkey -- devices\``,
    `  device API  ${publicUrl}/device/v1/...`,
    `  metrics     ${metricsLine(config, running.metricsUrl, publicUrl)}`,
    `  Slack       ${slackLine(config, running)}`,
    `  Teams       ${teamsLine(config, running)}`,
    "",
    "Try: npm run latchkey -- reset demo-pixel-8-owner --as ada.admin@example.com",
    "",
  ];
  process.stdout.write(lines.join("\n"));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    await running.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

function pushLine(config: ReturnType<typeof loadConfig>, publicUrl: string): string {
  if (config.firebaseServiceAccount) return "Firebase Cloud Messaging";
  if (config.simulator) return `local channel with simulated devices (${publicUrl}/simulator/devices)`;
  return "none (SIMULATED_DEVICES=false): agents pick their commands up when they check in";
}

function metricsLine(
  config: ReturnType<typeof loadConfig>,
  metricsUrl: string | null,
  publicUrl: string,
): string {
  const own = metricsUrl ? `${metricsUrl}/metrics` : null;
  const main = config.metrics.token
    ? `${publicUrl}/metrics with Authorization: Bearer <METRICS_TOKEN>`
    : null;
  return [own, main].filter(Boolean).join("; also ") || "off (METRICS_PORT=off and no METRICS_TOKEN)";
}

function slackLine(
  config: ReturnType<typeof loadConfig>,
  running: Awaited<ReturnType<typeof startLatchkey>>,
): string {
  if (!config.slack || !running.slack) {
    return "off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)";
  }
  const where =
    running.slack.mode === "socket" ? "Socket Mode" : `HTTP, request URL ${config.publicUrl}/slack/events`;
  const security = config.slack.securityChannel
    ? `lost-device alerts in ${config.slack.securityChannel}`
    : "no SLACK_SECURITY_CHANNEL: lost-device alerts go nowhere";
  return `${where}; ${security}`;
}

function teamsLine(
  config: ReturnType<typeof loadConfig>,
  running: Awaited<ReturnType<typeof startLatchkey>>,
): string {
  if (!config.teams || !running.teams) {
    return config.simulator
      ? "off (TEAMS_ENABLED=false)"
      : "off (real devices need MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID)";
  }
  const mode =
    running.teams.mode === "local"
      ? "local mode: no token checked, so only requests from this machine (set MICROSOFT_APP_ID for a real bot)"
      : `bot ${config.teams.appId} (${config.teams.appType})`;
  const security = config.teams.securityConversation
    ? `lost-device alerts in ${config.teams.securityConversation}`
    : "no TEAMS_SECURITY_CONVERSATION: lost-device alerts go nowhere";
  return `${mode}; messaging endpoint ${config.publicUrl}/api/messages; ${security}`;
}

await main();
