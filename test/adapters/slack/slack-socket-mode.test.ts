// Socket Mode: with SLACK_APP_TOKEN set, Latchkey opens a Socket Mode connection (through the
// Web API at SLACK_API_URL, like HTTP mode) instead of serving /slack/events. A local WebSocket
// server plays Slack's side: hello, then envelopes that must each be acknowledged once.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { type SlackHarness, shownModal, startSlackHarness } from "../../support/slack-harness.ts";

interface Envelope {
  envelope_id: string;
  payload?: { text?: string };
}

describe("Slack Socket Mode", () => {
  let wss: WebSocketServer;
  let socket: WebSocket | null = null;
  const acks: Envelope[] = [];
  let h: SlackHarness;

  beforeAll(async () => {
    wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((ok) => wss.once("listening", () => ok()));
    const connected = new Promise<void>((ok) => {
      wss.on("connection", (ws) => {
        socket = ws;
        ws.on("message", (data) => acks.push(JSON.parse(String(data)) as Envelope));
        ws.send(
          JSON.stringify({ type: "hello", num_connections: 1, connection_info: { app_id: "A0LATCHKEY" } }),
        );
        ok();
      });
    });
    const port = (wss.address() as AddressInfo).port;
    h = await startSlackHarness(
      { SLACK_APP_TOKEN: "xapp-1-test", SLACK_SIGNING_SECRET: "" },
      {},
      { socketUrl: `ws://127.0.0.1:${port}/` },
    );
    await connected;
  });
  afterAll(async () => {
    await h?.stop();
    await new Promise<void>((ok) => wss.close(() => ok()));
  });

  function send(envelope: Record<string, unknown>): void {
    if (!socket) throw new Error("no Socket Mode connection");
    socket.send(JSON.stringify(envelope));
  }

  it("connects with the app token through the configured Web API and serves no HTTP endpoint", async () => {
    const open = h.fake.callsTo("apps.connections.open");
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe("xapp-1-test");
    expect(h.running.slack?.mode).toBe("socket");
    const res = await fetch(`${h.running.url}/slack/events`, { method: "POST", body: "x" });
    expect(res.status).toBe(404);
  });

  it("answers /reset-passcode help in the acknowledgement, once per envelope", async () => {
    send({
      envelope_id: "env-help-1",
      type: "slash_commands",
      accepts_response_payload: true,
      payload: {
        command: "/reset-passcode",
        text: "help",
        user_id: "UADA",
        channel_id: "C0ITOPS",
        team_id: h.fake.teamId,
        trigger_id: h.fake.issueTriggerId(),
        response_url: h.fake.responseUrl(),
      },
    });
    await expect.poll(() => acks.find((a) => a.envelope_id === "env-help-1")).toBeTruthy();
    const ack = acks.filter((a) => a.envelope_id === "env-help-1");
    expect(ack).toHaveLength(1);
    expect(ack[0]?.payload?.text).toContain("/reset-passcode @alice");
  });

  it("opens the reset modal for a mention, through the Web API", async () => {
    send({
      envelope_id: "env-reset-1",
      type: "slash_commands",
      accepts_response_payload: true,
      payload: {
        command: "/reset-passcode",
        text: "<@UFELIX|felix>",
        user_id: "UADA",
        channel_id: "C0ITOPS",
        team_id: h.fake.teamId,
        trigger_id: h.fake.issueTriggerId(),
        response_url: h.fake.responseUrl(),
      },
    });
    const { view } = await shownModal(h, 0);
    expect(JSON.stringify(view)).toContain("Felix Field");
    expect(acks.filter((a) => a.envelope_id === "env-reset-1")).toHaveLength(1);
  });
});
