// When the Playground is served: only with simulated devices and no real Slack or Teams
// credentials, and then to this machine only. And the outbox parser its mail view uses.
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { playgroundRefusal } from "../../src/playground/guard.ts";
import { parseEml } from "../../src/playground/inspect.ts";
import { playgroundEnabled } from "../../src/playground/playground.ts";
import { startEmbedded } from "../support/embedded.ts";

const SLACK = { SLACK_BOT_TOKEN: "xoxb-real", SLACK_SIGNING_SECRET: "real-secret" };
const TEAMS = {
  MICROSOFT_APP_ID: "00000000-0000-0000-0000-000000000001",
  MICROSOFT_APP_PASSWORD: "secret",
  MICROSOFT_APP_TENANT_ID: "tenant",
};

describe("when the Playground is on", () => {
  const enabled = (env: Record<string, string>) =>
    playgroundEnabled(loadConfig({ DATA_DIR: "/tmp/x", ...env }));

  it("is on with the embedded defaults, also with Teams switched off", () => {
    expect(enabled({})).toBe(true);
    expect(enabled({ TEAMS_ENABLED: "false" })).toBe(true);
  });

  it("is off with real Slack credentials, a Teams app id, or real push", () => {
    expect(enabled(SLACK)).toBe(false);
    expect(enabled({ SLACK_BOT_TOKEN: "xoxb-real", SLACK_APP_TOKEN: "xapp-real" })).toBe(false);
    expect(enabled(TEAMS)).toBe(false);
    expect(enabled({ FIREBASE_SERVICE_ACCOUNT: "/etc/fcm.json" })).toBe(false);
  });

  it("serves / and /playground/ on the defaults, and nothing with real credentials", async () => {
    for (const [env, on] of [
      [{}, true],
      [SLACK, false],
      [TEAMS, false],
    ] as const) {
      const latchkey = await startEmbedded("playground-mode", { ...env }, () => ({}));
      try {
        const token = latchkey.running.playground?.token ?? "none";
        const withToken = { headers: { "x-latchkey-playground-token": token } };
        const root = await fetch(`${latchkey.running.url}/`, { redirect: "manual" });
        const page = await fetch(`${latchkey.running.url}/playground/`, withToken);
        const config = await fetch(`${latchkey.running.url}/playground/api/config`, withToken);
        expect(latchkey.running.playground !== null).toBe(on);
        if (on) {
          expect(root.status).toBe(302);
          expect(root.headers.get("location")).toBe("/playground/");
          expect(page.status).toBe(200);
          expect(await page.text()).toContain("Latchkey Playground");
          const body = (await config.json()) as { signingSecret: string; teams: unknown };
          expect(body.signingSecret).toMatch(/^[0-9a-f]{64}$/);
          expect(body.teams).not.toBeNull();
        } else {
          expect(root.status).toBe(404);
          expect(page.status).toBe(404);
          expect(config.status).toBe(404);
          expect(await config.text()).not.toContain("signingSecret");
        }
      } finally {
        await latchkey.stop();
      }
    }
  });
});

describe("the Playground's loopback guard", () => {
  const request = (address: string, headers: Record<string, string>) =>
    ({ socket: { remoteAddress: address }, headers }) as unknown as IncomingMessage;

  it("serves this machine's browser, by name or address", () => {
    expect(playgroundRefusal(request("127.0.0.1", { host: "localhost:3000" }))).toBeNull();
    expect(playgroundRefusal(request("::1", { host: "[::1]:3000", origin: "http://[::1]:3000" }))).toBeNull();
    expect(
      playgroundRefusal(
        request("::ffff:127.0.0.1", { host: "127.0.0.1:3000", origin: "http://localhost:3000" }),
      ),
    ).toBeNull();
  });

  it("refuses other addresses, tunnels, foreign pages and DNS rebinding", () => {
    expect(playgroundRefusal(request("10.0.0.7", { host: "localhost:3000" }))).toMatch(/another address/);
    expect(
      playgroundRefusal(request("127.0.0.1", { host: "localhost:3000", "x-forwarded-for": "1.2.3.4" })),
    ).toMatch(/proxy or tunnel/);
    expect(
      playgroundRefusal(request("127.0.0.1", { host: "localhost:3000", forwarded: "for=1.2.3.4" })),
    ).toMatch(/proxy/);
    expect(playgroundRefusal(request("127.0.0.1", { host: "evil.example:3000" }))).toMatch(/Host/);
    expect(
      playgroundRefusal(request("127.0.0.1", { host: "localhost:3000", origin: "https://evil.example" })),
    ).toMatch(/web page elsewhere/);
  });

  it("answers 403 over HTTP to a request relayed through a proxy, without the secret", async () => {
    const latchkey = await startEmbedded("playground-guard", {}, () => ({}));
    try {
      // Even with the token: a request that came through a proxy is not this machine's.
      const res = await fetch(`${latchkey.running.url}/playground/api/config`, {
        headers: {
          "x-forwarded-for": "203.0.113.9",
          "x-latchkey-playground-token": latchkey.running.playground?.token ?? "",
        },
      });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain("signingSecret");
    } finally {
      await latchkey.stop();
    }
  });
});

describe("the outbox view", () => {
  it("decodes a multipart quoted-printable mail with encoded-word headers", () => {
    const eml = [
      "From: Latchkey <latchkey@localhost>",
      "To: ada.admin@example.com",
      "Subject: =?UTF-8?Q?New_passcode_for_=E2=80=9CPixel=E2=80=9D?=",
      "Date: Sat, 28 Nov 2026 03:29:19 +0000",
      'Content-Type: multipart/alternative; boundary="--b1"',
      "",
      "----b1",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "Your new passcode is 1234=3D5678, caf=C3=A9 long line =",
      "continued.",
      "----b1",
      "Content-Type: text/html; charset=utf-8",
      "",
      "<p>html</p>",
      "----b1--",
    ].join("\r\n");
    const mail = parseEml("1.eml", eml);
    expect(mail.subject).toBe("New passcode for “Pixel”");
    expect(mail.to).toBe("ada.admin@example.com");
    expect(mail.text).toBe("Your new passcode is 1234=5678, café long line continued.");
  });
});
