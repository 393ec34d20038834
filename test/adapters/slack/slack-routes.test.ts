// Latchkey's handlers sit behind one Bolt global middleware (routes.ts) instead of a Bolt listener
// each. Held to Bolt's own matching: the same handlers are registered both ways, on two real Bolt
// Apps (Latchkey's receiver, the fake Slack Web API behind them), every kind of payload is
// handed to both Apps' `processEvent`, and the handlers each one ran must be the same.
import { App } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpReceiver } from "../../../src/adapters/slack/http-receiver.ts";
import { createSlackRouter, type SlackRoutes } from "../../../src/adapters/slack/routes.ts";
import { type FakeSlack, startFakeSlack } from "../../fakes/fake-slack-api.ts";
import { quietBoltLogger } from "../../support/slack-requests.ts";

const TEAM = "T0ROUTES";
const quiet = quietBoltLogger;

/** The handler set, registered on either Bolt's App or Latchkey's routes; each says what it ran. */
function register(on: SlackRoutes, seen: string[]): void {
  on.command("/reset-passcode", async ({ ack, command }) => {
    seen.push(`command ${command.text}`);
    await ack();
  });
  on.command("/other", async ({ ack }) => {
    seen.push("command /other");
    await ack();
  });
  for (const id of ["reset_form", "reset_confirm"]) {
    on.view(id, async ({ ack, view }) => {
      seen.push(`view ${id} ${view.id}`);
      await ack();
    });
  }
  for (const id of ["cancel_request", "report_lost"]) {
    on.action(id, async ({ ack, action }) => {
      seen.push(`action ${id} ${"value" in action ? action.value : ""}`);
      await ack();
    });
  }
  on.shortcut("report_lost_device", async ({ ack, shortcut }) => {
    seen.push(`shortcut ${shortcut.type}`);
    await ack();
  });
  on.event("app_home_opened", async ({ event }) => {
    seen.push(`event ${event.user} ${event.tab}`);
  });
}

let fake: FakeSlack;
const apps: { name: string; app: App; seen: string[] }[] = [];

function newApp(): App {
  const { receiver } = createHttpReceiver("latchkey", { signingSecret: "routes-secret", logger: quiet });
  return new App({
    token: "xoxb-routes",
    receiver,
    logger: quiet,
    clientOptions: { slackApiUrl: fake.apiUrl },
    convoStore: false,
  });
}

beforeAll(async () => {
  fake = await startFakeSlack({ teamId: TEAM });
  const listeners = { name: "Bolt listeners", app: newApp(), seen: [] as string[] };
  register(listeners.app, listeners.seen);
  const routed = { name: "Latchkey routes", app: newApp(), seen: [] as string[] };
  const router = createSlackRouter();
  register(router.routes, routed.seen);
  routed.app.use(router.middleware);
  apps.push(listeners, routed);
});

afterAll(async () => {
  await fake?.close();
});

const user = { id: "UADA", team_id: TEAM };
const command = (name: string, text: string) => ({
  token: "legacy",
  team_id: TEAM,
  user_id: "UADA",
  channel_id: "C0ROUTES",
  command: name,
  text,
  trigger_id: "1.2.3",
  response_url: `${"http://127.0.0.1:9"}/response/r`,
});
const view = (type: string, callbackId: string) => ({
  type,
  team: { id: TEAM },
  user,
  api_app_id: "A0ROUTES",
  view: { id: `V-${callbackId}`, callback_id: callbackId, state: { values: {} }, private_metadata: "" },
});
const actions = (...ids: string[]) => ({
  type: "block_actions",
  team: { id: TEAM },
  user,
  api_app_id: "A0ROUTES",
  trigger_id: "1.2.4",
  actions: ids.map((action_id, i) => ({ type: "button", action_id, block_id: "b", value: `v${i}` })),
});
const shortcut = (type: string, callbackId: string) => ({
  type,
  team: { id: TEAM },
  user,
  callback_id: callbackId,
  trigger_id: "1.2.5",
  ...(type === "message_action" ? { channel: { id: "C0ROUTES" }, message: { ts: "1.1" } } : {}),
});
const event = (inner: Record<string, unknown>) => ({
  type: "event_callback",
  team_id: TEAM,
  api_app_id: "A0ROUTES",
  event: inner,
  event_id: "Ev1",
  event_time: 1,
});

const payloads: [string, Record<string, unknown>, string[]][] = [
  ["the reset command", command("/reset-passcode", "@felix"), ["command @felix"]],
  ["another registered command", command("/other", ""), ["command /other"]],
  ["a command nobody registered", command("/unknown", "x"), []],
  ["a submission of a known form", view("view_submission", "reset_form"), ["view reset_form V-reset_form"]],
  ["the second form", view("view_submission", "reset_confirm"), ["view reset_confirm V-reset_confirm"]],
  ["a submission of an unknown form", view("view_submission", "other_form"), []],
  ["a known form closed (not a submission)", view("view_closed", "reset_form"), []],
  ["a known button", actions("cancel_request"), ["action cancel_request v0"]],
  ["another known button", actions("report_lost"), ["action report_lost v0"]],
  ["an unknown button", actions("no_such_action"), []],
  ["two actions, the first known", actions("report_lost", "cancel_request"), ["action report_lost v0"]],
  ["two actions, the first unknown", actions("no_such_action", "cancel_request"), []],
  ["the global shortcut", shortcut("shortcut", "report_lost_device"), ["shortcut shortcut"]],
  [
    "the same id as a message shortcut",
    shortcut("message_action", "report_lost_device"),
    ["shortcut message_action"],
  ],
  ["an unknown shortcut", shortcut("shortcut", "other_shortcut"), []],
  [
    "app_home_opened",
    event({ type: "app_home_opened", user: "UFELIX", channel: "D0FELIX", tab: "home" }),
    ["event UFELIX home"],
  ],
  [
    "an event nobody registered",
    event({ type: "app_mention", user: "UFELIX", text: "hi", channel: "C1", ts: "1.2" }),
    [],
  ],
  [
    "a block suggestion (options)",
    { ...actions("cancel_request"), type: "block_suggestion", action_id: "cancel_request", value: "x" },
    [],
  ],
];

describe("Latchkey's routes match as Bolt's listeners do", () => {
  for (const [name, body, expected] of payloads) {
    it(name, async () => {
      const ran: string[][] = [];
      for (const { app, seen } of apps) {
        const before = seen.length;
        let acks = 0;
        await app.processEvent({
          body,
          ack: async () => {
            acks++;
          },
        });
        ran.push([...seen.slice(before), `acks ${acks}`]);
      }
      expect(ran[1]).toEqual(ran[0]);
      expect(ran[0]?.slice(0, -1)).toEqual(expected);
    });
  }

  it("refuses at registration what it would not match: a second handler, a pattern, a middleware chain", () => {
    const { routes } = createSlackRouter();
    routes.command("/reset-passcode", async () => {});
    expect(() => routes.command("/reset-passcode", async () => {})).toThrow(/already has a handler/);
    expect(() => routes.action(/cancel_.*/, async () => {})).toThrow(/one string id and one handler/);
    expect(() =>
      routes.view(
        "reset_form",
        async ({ next }) => next(),
        async () => {},
      ),
    ).toThrow(/one string id and one handler/);
  });

  it("hands an unmatched request on down Bolt's chain, and a handler's error to Bolt's error handler", async () => {
    const router = createSlackRouter();
    const app = newApp();
    const errors: string[] = [];
    app.error(async (err) => {
      errors.push(err.message);
    });
    router.routes.command("/breaks", async () => {
      throw new Error("handler broke");
    });
    const after: string[] = [];
    app.use(router.middleware);
    app.use(async ({ body, next }) => {
      after.push((body as { command?: string }).command ?? "?");
      await next();
    });
    await app.processEvent({ body: command("/unknown", ""), ack: async () => {} });
    await app.processEvent({ body: command("/breaks", ""), ack: async () => {} });
    expect(after).toEqual(["/unknown"]);
    expect(errors).toEqual(["handler broke"]);
  });
});
