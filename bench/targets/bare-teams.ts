// The Teams baseline: a stock botbuilder CloudAdapter bot (same botbuilder as Latchkey, local mode:
// no app id, so no token is checked) whose message-extension handlers only answer the invoke with
// a one-line dialog. `CloudAdapter.process` expects express/restify's request and response; a
// few lines of node:http stand in for `express.json()` and express's res.status/send. PORT comes
// from the benchmark; GET /healthz says it is up.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type MessagingExtensionActionResponse,
  TeamsActivityHandler,
} from "botbuilder";

const auth = new ConfigurationBotFrameworkAuthentication({
  MicrosoftAppId: "",
  MicrosoftAppPassword: "",
  MicrosoftAppType: "MultiTenant",
});
const adapter = new CloudAdapter(auth);

const dialog = (text: string): MessagingExtensionActionResponse => ({
  task: {
    type: "continue",
    value: {
      title: "Reset passcode",
      card: {
        contentType: "application/vnd.microsoft.card.adaptive",
        content: {
          type: "AdaptiveCard",
          version: "1.5",
          body: [{ type: "TextBlock", text, wrap: true }],
        },
      },
    },
  },
});

class BareBot extends TeamsActivityHandler {
  protected override async handleTeamsMessagingExtensionFetchTask(): Promise<MessagingExtensionActionResponse> {
    return dialog("Whose device?");
  }
  protected override async handleTeamsMessagingExtensionSubmitAction(): Promise<MessagingExtensionActionResponse> {
    return dialog("Next.");
  }
}
const bot = new BareBot();

/** express.json() and express's response methods, as much as CloudAdapter.process uses. */
function expressLike(req: IncomingMessage, res: ServerResponse, body: unknown) {
  const request = Object.assign(req, { body });
  const response = Object.assign(res, {
    status(code: number) {
      res.statusCode = code;
      return response;
    },
    header(name: string, value: string) {
      res.setHeader(name, value);
      return response;
    },
    send(payload: unknown) {
      if (typeof payload === "object" && payload !== null && !Buffer.isBuffer(payload)) {
        res.setHeader("content-type", "application/json; charset=utf-8");
        res.write(JSON.stringify(payload));
      } else res.write(payload as string | Buffer);
      return response;
    },
  });
  return { request, response };
}

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return void res.writeHead(400).end();
    }
    const { request, response } = expressLike(req, res, body);
    adapter
      .process(request as never, response as never, (ctx) => bot.run(ctx))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
