// HTTP mode's two receivers, held to the same answers: Latchkey's own (the default) and Bolt's
// stock HTTPReceiver (SLACK_HTTP_RECEIVER=bolt), each built as production builds it, each under a
// real Bolt App talking to the fake Slack Web API. Every request goes to both over real HTTP with
// real signatures; status, body and what the app's listeners saw must match. The one difference
// is deliberate (a timestamp from the future) and has its own test.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpReceiver, SLACK_EVENTS_PATH } from "../../../src/adapters/slack/http-receiver.ts";
import { MAX_RAW_BODY_BYTES } from "../../../src/http/router.ts";
import { type FakeSlack, startFakeSlack } from "../../fakes/fake-slack-api.ts";
import { openResetForm, type SlackHarness, startSlackHarness } from "../../support/slack-harness.ts";
import { quietBoltLogger, signSlack } from "../../support/slack-requests.ts";

const SECRET = "receiver-parity-secret";
const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";
const KINDS = ["latchkey", "bolt"] as const;
type Kind = (typeof KINDS)[number];

interface Target {
  url: string;
  server: Server;
  /** What the app's listeners were handed, in order. */
  seen: string[];
}

const quiet = quietBoltLogger;

let fake: FakeSlack;
const targets = new Map<Kind, Target>();

async function startTarget(kind: Kind): Promise<Target> {
  const { receiver, requestListener } = createHttpReceiver(kind, { signingSecret: SECRET, logger: quiet });
  const app = new App({
    token: "xoxb-parity",
    receiver,
    logger: quiet,
    clientOptions: { slackApiUrl: fake.apiUrl },
  });
  const seen: string[] = [];
  app.command("/quiet", async ({ ack, command }) => {
    seen.push(`command ${command.text}`);
    await ack();
  });
  app.command("/echo", async ({ ack, command }) => {
    seen.push(`echo ${command.text}`);
    await ack({ response_type: "ephemeral", text: `you said ${command.text}` });
  });
  app.command("/text", async ({ ack }) => {
    seen.push("text");
    await ack("plain words");
  });
  app.command("/throws", async () => {
    seen.push("throws");
    throw new Error("the listener broke before its ack");
  });
  app.command("/silent", async () => {
    seen.push("silent");
  });
  app.view("form", async ({ ack, view }) => {
    seen.push(`view ${view.state.values.b?.a?.value}`);
    await ack({ response_action: "errors", errors: { b: "no" } });
  });
  app.event("app_home_opened", async ({ event, context }) => {
    seen.push(`event ${event.user} retry ${context.retryNum ?? "-"} ${context.retryReason ?? "-"}`);
  });
  const server = createServer(requestListener);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

beforeAll(async () => {
  fake = await startFakeSlack({ teamId: "T0PARITY" });
  for (const kind of KINDS) targets.set(kind, await startTarget(kind));
});

afterAll(async () => {
  for (const t of targets.values()) await new Promise((ok) => t.server.close(ok));
  await fake?.close();
});

interface Sent {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}

async function send(kind: Kind, r: Sent) {
  const t = targets.get(kind) as Target;
  const before = t.seen.length;
  const res = await fetch(`${t.url}${r.path ?? SLACK_EVENTS_PATH}`, {
    method: r.method ?? "POST",
    headers: r.headers ?? {},
    ...(r.body !== undefined ? { body: r.body } : {}),
  });
  const body = await res.text();
  // A listener that runs after the ack has had its turn by now (they are synchronous up to it).
  await new Promise((ok) => setTimeout(ok, 20));
  return { status: res.status, body, seen: t.seen.slice(before) };
}

const command = (name: string, text = "hello") =>
  new URLSearchParams({
    token: "legacy",
    team_id: "T0PARITY",
    user_id: "UADA",
    user_name: "ada",
    channel_id: "C0PARITY",
    command: name,
    text,
    trigger_id: "1.2.3",
    response_url: `${fake.url}/response/parity`,
  }).toString();
const signed = (body: string, type = FORM, at?: number) => ({
  body,
  headers: { "content-type": type, ...signSlack(SECRET, body, at) },
});
const now = () => Math.floor(Date.now() / 1000);
const submission = (view: unknown) =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: "view_submission",
      team: { id: "T0PARITY" },
      user: { id: "UADA", team_id: "T0PARITY" },
      api_app_id: "A0PARITY",
      ...(view === undefined ? {} : { view }),
    }),
  }).toString();
const homeOpened = JSON.stringify({
  type: "event_callback",
  team_id: "T0PARITY",
  api_app_id: "A0PARITY",
  event: { type: "app_home_opened", user: "UFELIX", channel: "D0FELIX", tab: "home" },
  event_id: "Ev1",
  event_time: 1,
});

const cases: [string, () => Sent, { status: number; ran: boolean }][] = [
  ["a signed command acked empty", () => signed(command("/quiet")), { status: 200, ran: true }],
  ["a signed command acked with JSON", () => signed(command("/echo", "hi")), { status: 200, ran: true }],
  ["a signed command acked with text", () => signed(command("/text")), { status: 200, ran: true }],
  [
    "no signature",
    () => ({ body: command("/quiet"), headers: { "content-type": FORM } }),
    { status: 401, ran: false },
  ],
  [
    "a wrong signature",
    () => {
      const s = signed(command("/quiet"));
      return { ...s, headers: { ...s.headers, "x-slack-signature": `v0=${"0".repeat(64)}` } };
    },
    { status: 401, ran: false },
  ],
  [
    "an unknown signature version",
    () => {
      const s = signed(command("/quiet"));
      return {
        ...s,
        headers: { ...s.headers, "x-slack-signature": s.headers["x-slack-signature"].replace("v0=", "v1=") },
      };
    },
    { status: 401, ran: false },
  ],
  [
    "another body's signature",
    () => ({ body: command("/quiet", "changed"), headers: signed(command("/quiet")).headers }),
    { status: 401, ran: false },
  ],
  [
    "a stale timestamp (6 min old)",
    () => signed(command("/quiet"), FORM, now() - 360),
    { status: 401, ran: false },
  ],
  [
    "a timestamp that is not a number",
    () => {
      const s = signed(command("/quiet"));
      return { ...s, headers: { ...s.headers, "x-slack-request-timestamp": "soon" } };
    },
    { status: 401, ran: false },
  ],
  ["signed JSON that does not parse", () => signed("{", JSON_TYPE), { status: 400, ran: false }],
  ["a signed JSON null", () => signed("null", JSON_TYPE), { status: 400, ran: false }],
  ["a signed form whose payload is null", () => signed("payload=null"), { status: 400, ran: false }],
  [
    "an unsigned ssl_check carrying a command",
    () => ({ body: `ssl_check=1&${command("/quiet")}`, headers: { "content-type": FORM } }),
    { status: 200, ran: false },
  ],
  [
    "a signed url_verification",
    () => signed(JSON.stringify({ type: "url_verification", challenge: "c-123", token: "t" }), JSON_TYPE),
    { status: 200, ran: false },
  ],
  ["a GET", () => ({ method: "GET" }), { status: 404, ran: false }],
  [
    "another path",
    () => ({ ...signed(command("/quiet")), path: `${SLACK_EVENTS_PATH}/other` }),
    { status: 404, ran: false },
  ],
  [
    "a body over the limit",
    () => signed(`text=${"x".repeat(MAX_RAW_BODY_BYTES)}`),
    { status: 413, ran: false },
  ],
  [
    "a view_submission without its view (malformed)",
    () => signed(submission(undefined)),
    { status: 400, ran: false },
  ],
  [
    "a view submission answered with field errors",
    () =>
      signed(
        submission({
          id: "V1",
          type: "modal",
          callback_id: "form",
          state: { values: { b: { a: { value: "v" } } } },
        }),
      ),
    { status: 200, ran: true },
  ],
  ["a listener that throws before its ack", () => signed(command("/throws")), { status: 500, ran: true }],
  ["a signed event", () => signed(homeOpened, JSON_TYPE), { status: 200, ran: true }],
  [
    "a signed event redelivered",
    () => {
      const s = signed(homeOpened, JSON_TYPE);
      return {
        ...s,
        headers: { ...s.headers, "x-slack-retry-num": "2", "x-slack-retry-reason": "http_timeout" },
      };
    },
    { status: 200, ran: true },
  ],
];

describe("Slack HTTP receivers: Latchkey's answers as Bolt's HTTPReceiver does", () => {
  it.each(cases)("%s", async (_what, request, expected) => {
    const r = request();
    const ours = await send("latchkey", r);
    const bolts = await send("bolt", r);
    expect({ status: ours.status, body: ours.body, seen: ours.seen }).toEqual({
      status: bolts.status,
      body: bolts.body,
      seen: bolts.seen,
    });
    expect(ours.status).toBe(expected.status);
    expect(ours.seen.length > 0).toBe(expected.ran);
  });

  it("answers what the listeners said: JSON, text, a challenge, field errors, the redelivery's count", async () => {
    const echo = await send("latchkey", signed(command("/echo", "hi")));
    expect(JSON.parse(echo.body)).toEqual({ response_type: "ephemeral", text: "you said hi" });
    expect((await send("latchkey", signed(command("/text")))).body).toBe("plain words");
    const challenge = signed(JSON.stringify({ type: "url_verification", challenge: "c-9" }), JSON_TYPE);
    expect(JSON.parse((await send("latchkey", challenge)).body)).toEqual({ challenge: "c-9" });
    const retried = signed(homeOpened, JSON_TYPE);
    retried.headers = {
      ...retried.headers,
      "x-slack-retry-num": "3",
      "x-slack-retry-reason": "http_error",
    } as never;
    expect((await send("latchkey", retried)).seen).toEqual(["event UFELIX retry 3 http_error"]);
    const malformed = await send("latchkey", signed(submission(undefined)));
    expect(JSON.parse(malformed.body).error).toMatch(/malformed/);
  });

  it("a listener that never acks: both answer 404 after Bolt's 3 seconds", async () => {
    const r = signed(command("/silent"));
    const [ours, bolts] = await Promise.all([send("latchkey", r), send("bolt", r)]);
    expect(ours).toEqual(bolts);
    expect(ours.status).toBe(404);
    expect(ours.seen).toEqual(["silent"]);
  }, 10_000);

  it("refuses a timestamp more than 5 minutes ahead of our clock, which Bolt's receiver accepts", async () => {
    // Slack's guidance: refuse a timestamp that differs from local time by more than 5 minutes;
    // Bolt checks only for staleness. A future stamp can only come from a skewed clock or a forger.
    const r = signed(command("/quiet", "from the future"), FORM, now() + 360);
    expect((await send("latchkey", r)).status).toBe(401);
    expect((await send("bolt", r)).status).toBe(200);
    // Within the window either way, both accept.
    const near = signed(command("/quiet", "near"), FORM, now() + 240);
    expect((await send("latchkey", near)).status).toBe(200);
  });
});

describe.each(KINDS)("Latchkey with SLACK_HTTP_RECEIVER=%s", (kind) => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness({ SLACK_HTTP_RECEIVER: kind });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("answers 404 to another method or path under /slack/events and keeps serving", async () => {
    // Bolt's own listener throws for these (for its server to catch): mounted bare, an
    // unauthenticated GET ended the process.
    expect((await fetch(`${h.running.url}${SLACK_EVENTS_PATH}`)).status).toBe(404);
    const other = await fetch(`${h.running.url}${SLACK_EVENTS_PATH}/other`, { method: "POST", body: "x=1" });
    expect(other.status).toBe(404);
    expect((await fetch(`${h.running.url}/healthz`)).status).toBe(200);
  });

  it("opens the reset form for a signed command", async () => {
    const { form } = await openResetForm(h, { text: "<@UFELIX|felix>", channel: "C0RECEIVER" });
    expect(form.callback_id).toBe("reset_form");
    expect(JSON.stringify(form)).toContain("Felix Field");
  });
});
