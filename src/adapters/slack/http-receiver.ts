// Latchkey's Bolt receiver for HTTP mode (Bolt's `Receiver` interface, as its SocketModeReceiver
// and our Socket Mode one): POST /slack/events in, Bolt's App.processEvent with an ack out. It does
// what Bolt's HTTPReceiver does for such a request, in the same order and with the same answers,
// with less work: the body is read and parsed once (Bolt's parses a form twice), the signature is
// compared with node:crypto's timingSafeEqual (Bolt's `tsscmp` hashes both sides again) and the
// routing is one comparison. Profiled, Bolt's receiver is about half of a stock Bolt app's CPU a
// request; the same bare app on this one answers 1.2-1.4x as many (docs/performance.md). Bolt's
// HTTPReceiver remains one setting away (SLACK_HTTP_RECEIVER=bolt);
// test/adapters/slack/slack-receivers.test.ts holds both to the same answers.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseForm } from "node:querystring";
import {
  type App,
  type Logger as BoltLogger,
  HTTPModuleFunctions,
  HTTPReceiver,
  type Receiver,
  type ReceiverEvent,
} from "@slack/bolt";
import { readBody } from "../../http/body.ts";
import { MAX_RAW_BODY_BYTES, type RawListener } from "../../http/router.ts";
import { answerProcessingError, guardBoltBodyParsing } from "./bolt-guards.ts";

export const SLACK_EVENTS_PATH = "/slack/events";

/** POST /slack/events: Latchkey's receiver, or Bolt's stock one configured to answer the same. */
export function createHttpReceiver(
  kind: "latchkey" | "bolt",
  o: { signingSecret: string; logger: BoltLogger },
): { receiver: Receiver; requestListener: RawListener } {
  const bodyLimit = MAX_RAW_BODY_BYTES;
  if (kind === "latchkey") {
    const receiver = new SlackHttpReceiver({ ...o, path: SLACK_EVENTS_PATH, bodyLimit });
    return { receiver, requestListener: receiver.requestListener };
  }
  guardBoltBodyParsing();
  const receiver = new HTTPReceiver({
    ...o,
    endpoints: SLACK_EVENTS_PATH,
    processBeforeResponse: false,
    bodyLimit,
    processEventErrorHandler: answerProcessingError,
  });
  // Bolt's listener throws for another method or path (for its own server to catch): thrown
  // from ours, it would end the process. Answered as Bolt's own server does: 404.
  const requestListener: RawListener = (req, res) => {
    try {
      receiver.requestListener(req, res);
    } catch (error) {
      HTTPModuleFunctions.defaultDispatchErrorHandler({
        error: error as Error,
        logger: o.logger,
        request: req,
        response: res,
      });
    }
  };
  return { receiver, requestListener };
}

/** Slack's replay window: a signed timestamp further than this from our clock is refused. */
const MAX_SKEW_SEC = 5 * 60;
/** Bolt's: a request not acknowledged by then is answered 404 (Slack shows the user an error). */
const ACK_TIMEOUT_MS = 3_001;
const FORM = "application/x-www-form-urlencoded";

export interface SlackHttpReceiverOptions {
  signingSecret: string;
  /** The path Slack posts to; anything else, or another method, is answered 404. */
  path: string;
  logger: BoltLogger;
  bodyLimit: number;
  /** Seconds since the epoch (tests move the clock). */
  nowSec?: () => number;
}

class Refused extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

export class SlackHttpReceiver implements Receiver {
  private app: App | null = null;
  private readonly nowSec: () => number;

  constructor(private readonly o: SlackHttpReceiverOptions) {
    if (!o.signingSecret) throw new Error("a signing secret is required to verify Slack's requests");
    this.nowSec = o.nowSec ?? (() => Math.floor(Date.now() / 1000));
  }

  init(app: App): void {
    this.app = app;
  }

  /** The server is Latchkey's own (it mounts `requestListener`): nothing to start or stop. */
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  readonly requestListener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url?.split("?", 1)[0];
    if (req.method !== "POST" || path !== this.o.path) {
      this.o.logger.info(`Unhandled HTTP request (${req.method}) made to ${path}`);
      return void answer(res, 404);
    }
    readBody(req, this.o.bodyLimit).then(
      (raw) => {
        if (raw) return this.handle(req, res, raw);
        this.o.logger.warn(
          `Request body exceeded the maximum allowed size (limit: ${this.o.bodyLimit} bytes)`,
        );
        answer(res, 413);
      },
      () => res.destroy(),
    );
  };

  private handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    let body: Record<string, unknown>;
    try {
      body = this.verifiedBody(req, raw);
    } catch (err) {
      const refused =
        err instanceof Refused ? err : new Refused(400, `Malformed request body: ${String(err)}`);
      this.o.logger.warn(refused.message);
      return void answer(res, refused.status);
    }
    if (body.ssl_check === "1") return void answer(res, 200);
    if (body.type === "url_verification") {
      return void answer(res, 200, JSON.stringify({ challenge: body.challenge }), "application/json");
    }
    void this.dispatch(req, res, body);
  }

  /** The parsed body of a request Slack signed (an `ssl_check` needs no signature and has no content). */
  private verifiedBody(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
    const text = raw.toString("utf8");
    const form = req.headers["content-type"] === FORM ? parseForm(text) : null;
    // Unsigned, as Bolt allows: nothing else in such a body is ever read.
    if (form?.ssl_check === "1") return { ssl_check: "1" };
    this.verify(req, raw);
    let body: unknown;
    try {
      body = form ? (typeof form.payload === "string" ? JSON.parse(form.payload) : form) : JSON.parse(text);
    } catch (err) {
      throw new Refused(400, `Malformed request body: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new Refused(400, "Malformed request body: the request body is not an object");
    }
    return body as Record<string, unknown>;
  }

  private verify(req: IncomingMessage, raw: Buffer): void {
    const signature = req.headers["x-slack-signature"];
    const stamp = req.headers["x-slack-request-timestamp"];
    const fail = (why: string) => new Refused(401, `Failed to verify authenticity: ${why}`);
    if (typeof signature !== "string" || typeof stamp !== "string") throw fail("missing signature headers");
    const sec = /^\d{1,12}$/.test(stamp) ? Number(stamp) : Number.NaN;
    if (!(Math.abs(this.nowSec() - sec) <= MAX_SKEW_SEC)) {
      throw fail("x-slack-request-timestamp must be within 5 minutes of our clock (a replay?)");
    }
    const given = /^v0=([0-9a-f]{64})$/.exec(signature)?.[1];
    const ours = createHmac("sha256", this.o.signingSecret).update(`v0:${stamp}:`).update(raw).digest();
    if (!given || !timingSafeEqual(Buffer.from(given, "hex"), ours)) throw fail("signature mismatch");
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
  ): Promise<void> {
    const logger = this.o.logger;
    let acked = false;
    const timer = setTimeout(() => {
      if (acked) return;
      logger.error(
        "An incoming event was not acknowledged within 3 seconds. Ensure that the ack() argument is called in a listener.",
      );
      if (!res.headersSent) answer(res, 404);
    }, ACK_TIMEOUT_MS);
    const settle = () => {
      acked = true;
      clearTimeout(timer);
    };
    const retryNum = header(req, "x-slack-retry-num");
    const retryReason = header(req, "x-slack-retry-reason");
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => {
        if (acked)
          throw Object.assign(new Error("The receiver's `ack` function was called multiple times."), {
            code: "slack_bolt_receiver_ack_multiple_error",
          });
        settle();
        if (res.headersSent) return;
        if (!response) answer(res, 200);
        else if (typeof response === "string") answer(res, 200, response);
        else answer(res, 200, JSON.stringify(response), "application/json");
      },
      ...(retryNum !== undefined ? { retryNum: Number.parseInt(retryNum, 10) } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
    };
    try {
      await this.app?.processEvent(event);
    } catch (error) {
      const handled = await answerProcessingError({
        error: error as Error,
        logger,
        request: req as Parameters<typeof answerProcessingError>[0]["request"],
        response: res,
        storedResponse: undefined,
      });
      if (handled) settle();
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** With its length, so the answer goes out in one write rather than as chunks. */
function answer(res: ServerResponse, status: number, body = "", contentType?: string): void {
  const length = Buffer.byteLength(body);
  if (contentType) res.writeHead(status, { "content-type": contentType, "content-length": length });
  else res.writeHead(status, { "content-length": length });
  res.end(body);
}
