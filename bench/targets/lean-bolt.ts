// A bare Bolt app like bare-bolt.ts (handlers that only acknowledge, same Bolt version), but on
// Latchkey's HTTP receiver (src/adapters/slack/http-receiver.ts) instead of Bolt's HTTPReceiver:
// what the receiver alone changes in Bolt's cost a request. GET /healthz says it is up.
import { createServer } from "node:http";
import { App, type Logger, LogLevel } from "@slack/bolt";
import { createHttpReceiver } from "../../src/adapters/slack/http-receiver.ts";

const port = Number(process.env.PORT);
// As the stock app's logger at LogLevel.ERROR: errors only, to stderr.
const logger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (...msg: unknown[]) => console.error(...msg),
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};
const { receiver, requestListener } = createHttpReceiver("latchkey", {
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? "",
  logger,
});
const app = new App({
  token: "xoxb-bench-token",
  receiver,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? "" },
  logger,
});
app.command("/reset-passcode", async ({ ack }) => {
  await ack();
});
app.view("reset_form", async ({ ack }) => {
  await ack();
});
const server = createServer((req, res) => {
  if (req.url === "/healthz")
    return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
  requestListener(req, res);
});
server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
