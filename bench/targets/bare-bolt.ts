// The baseline: a stock Bolt app (same Bolt version as Latchkey, its own HTTPReceiver and server)
// whose handlers only acknowledge. PORT, SLACK_API_URL and SLACK_SIGNING_SECRET come from the
// benchmark; GET /healthz says it is up.
import { App, LogLevel } from "@slack/bolt";

const port = Number(process.env.PORT);
const app = new App({
  token: "xoxb-bench-token",
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? "",
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? "" },
  logLevel: LogLevel.ERROR,
  customRoutes: [
    {
      path: "/healthz",
      method: ["GET"],
      handler: (_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end("{}"),
    },
  ],
});
app.command("/reset-passcode", async ({ ack }) => {
  await ack();
});
app.view("reset_form", async ({ ack }) => {
  await ack();
});
await app.start({ port, host: "127.0.0.1" });
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
