// One Latchkey process for the reliability runs: `startLatchkey` exactly as `npm start` runs it,
// plus two things only a test needs.
//
// - RELIABILITY_FCM_URL: firebase-admin's requests to Google (FCM v1 and the OAuth token
//   endpoint; their URLs are not configurable) are forwarded by nock to a local fake, so the
//   real FCM channel runs with real HTTP answers, and the test counts every push at one place.
// - RELIABILITY_DRIVER_PORT: a loopback endpoint `POST /reset` that calls the core's
//   `startReset`, the very call the Slack and Teams handlers make, so a test can start resets on
//   any replica without scripting a chat dialog for each one.
//
// An unhandled rejection or uncaught exception prints a marker line and exits 70, so a test
// notices it instead of Node's default, indistinguishable crash.
import { createServer } from "node:http";
import nock from "nock";
import { createLogger } from "../../../src/adapters/log/logger.ts";
import { startLatchkey } from "../../../src/compose.ts";
import { loadConfig } from "../../../src/config.ts";
import { startReset } from "../../../src/core/reset/start-reset.ts";

export const UNHANDLED_MARKER = "RELIABILITY-UNHANDLED";

process.on("unhandledRejection", (reason) => {
  process.stderr.write(`${UNHANDLED_MARKER} rejection: ${String((reason as Error)?.stack ?? reason)}\n`);
  process.exit(70);
});
process.on("uncaughtException", (err) => {
  process.stderr.write(`${UNHANDLED_MARKER} exception: ${String(err?.stack ?? err)}\n`);
  process.exit(70);
});

const HOP_BY_HOP = new Set(["host", "content-length", "connection", "transfer-encoding"]);

function forwardGoogle(fakeUrl: string): void {
  nock.disableNetConnect();
  nock.enableNetConnect((host: string) => host.startsWith("127.0.0.1") || host.startsWith("localhost"));
  for (const host of [
    "https://oauth2.googleapis.com",
    "https://www.googleapis.com",
    "https://accounts.google.com",
  ]) {
    nock(host)
      .persist()
      .post(/.*/)
      .reply(200, { access_token: "reliability-token", expires_in: 3600, token_type: "Bearer" });
  }
  nock("https://fcm.googleapis.com")
    .persist()
    .post(/.*/)
    .reply(async function (uri, body) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(this.req.headers)) {
        if (!HOP_BY_HOP.has(k.toLowerCase())) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
      }
      const res = await fetch(`${fakeUrl}${uri}`, {
        method: "POST",
        headers,
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return [res.status, await res.text(), Object.fromEntries(res.headers)];
    });
}

if (process.env.RELIABILITY_FCM_URL) forwardGoogle(process.env.RELIABILITY_FCM_URL);

const config = loadConfig(process.env);
const log = createLogger(config.logLevel);
const running = await startLatchkey(config, log);
const engine = running.core.engine;

const driverPort = Number(process.env.RELIABILITY_DRIVER_PORT ?? "0");
const driver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    void (async () => {
      try {
        if (req.method !== "POST" || req.url !== "/reset") {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          deviceId: string;
          actor: string;
          notifyUser: boolean;
          key: string;
        };
        const result = await startReset(engine, {
          actorEmail: body.actor,
          deviceId: body.deviceId,
          notifyUser: body.notifyUser,
          surface: "cli",
          idempotencyKey: body.key,
        });
        const requestId = "request" in result ? result.request.id : null;
        const state = "request" in result ? result.request.state : null;
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ status: result.status, requestId, state }));
      } catch (err) {
        // An outage (the database gone) is an expected failure here: the caller retries.
        res
          .writeHead(503, { "content-type": "application/json" })
          .end(JSON.stringify({ error: String(err) }));
      }
    })();
  });
});
driver.listen(driverPort, "127.0.0.1", () => {
  const address = driver.address();
  const port = typeof address === "object" && address ? address.port : driverPort;
  process.stdout.write(`${JSON.stringify({ reliabilityReady: true, url: running.url, driverPort: port })}\n`);
});

const stop = async () => {
  driver.close();
  await running.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
