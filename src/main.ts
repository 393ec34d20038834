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
      process.stderr.write(`${err.message}\nSee .env.example and the README's configuration table.\n`);
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
  const lines = [
    "",
    `Latchkey is running on ${publicUrl} (health: ${publicUrl}/healthz)`,
    `  database    ${core.database.kind} at ${core.database.location} (${core.database.migrations.applied.length} migration(s) applied now, ${core.database.migrations.total} in all)`,
    `  passcodes   encrypted with the key from ${core.keySource}`,
    `  push        ${config.simulator ? `local channel with simulated devices (${publicUrl}/simulator/devices)` : "Firebase Cloud Messaging"}`,
    `  mail        ${core.mail.kind === "smtp" ? "SMTP (SMTP_URL)" : `outbox folder ${config.outboxDir}/*.eml`}`,
    `  inventory   ${running.demoDevices > 0 ? `demo inventory loaded (${running.demoDevices} devices)` : "as stored"}; list it with \`npm run latchkey -- devices\``,
    `  device API  ${publicUrl}/device/v1/...`,
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
    return config.firebaseServiceAccount
      ? "off (real devices need MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID)"
      : "off (TEAMS_ENABLED=false)";
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
