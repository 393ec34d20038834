// The Playground's per-start token: a same-host relay that adds no forwarding header (nginx's
// default proxy_pass, socat, ssh -R) passes the loopback checks, so every Playground call must
// also carry the token the banner prints (http://localhost:<port>/?token=...). Over real HTTP:
// without it 403, with it (query on the first load -> HttpOnly SameSite=Strict cookie, header,
// or in the path for Latchkey's own callbacks) the Playground works. And its favicon.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../reliability/support/tcp-proxy.ts";
import { type Embedded, startEmbedded } from "../support/embedded.ts";

let latchkey: Embedded;
let base: string;
let token: string;
let relay: TcpProxy;

beforeAll(async () => {
  latchkey = await startEmbedded("playground-token", {}, () => ({}));
  const port = new URL(latchkey.running.url).port;
  base = `http://localhost:${port}`;
  token = latchkey.running.playground?.token ?? "";
  relay = await startTcpProxy({ host: "127.0.0.1", port: Number(port) });
});
afterAll(async () => {
  await relay?.close();
  await latchkey?.stop();
});

const PLAYGROUND_CALLS: [string, RequestInit?][] = [
  ["/playground/"],
  ["/playground/app.js"],
  ["/playground/style.css"],
  ["/playground/favicon.svg"],
  ["/playground/vendor/adaptivecards.min.js"],
  ["/playground/api/config"],
  ["/playground/api/state"],
  ["/playground/api/events"],
  ["/playground/slack/api/auth.test", { method: "POST", body: "" }],
  ["/playground/slack/ui/trigger", { method: "POST", body: '{"user":"UADAADMIN"}' }],
  ["/playground/teams/v3/conversations", { method: "POST", body: "{}" }],
];

describe("the Playground's token", () => {
  it("is 32 random bytes, base64url, and the banner's URL carries it", () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each(PLAYGROUND_CALLS)("refuses %s without the token: 403 with a plain message", async (path, init) => {
    const res = await fetch(`${base}${path}`, init);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain("Open the URL Latchkey printed when it started");
    expect(text).not.toContain("signingSecret");
  });

  it("refuses a wrong token, wherever it is carried", async () => {
    const wrong = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    const port = new URL(base).port;
    for (const res of [
      await fetch(`${base}/playground/?token=${wrong}`, { redirect: "manual" }),
      await fetch(`${base}/playground/api/config`, { headers: { "x-latchkey-playground-token": wrong } }),
      await fetch(`${base}/playground/api/config`, {
        headers: { cookie: `latchkey_playground_${port}=${wrong}` },
      }),
      await fetch(`${base}/playground/t/${wrong}/slack/api/auth.test`, { method: "POST", body: "" }),
    ])
      expect(res.status).toBe(403);
  });

  it("refuses a same-host relay that adds no forwarding header, unless it carries the token", async () => {
    const relayed = `http://localhost:${relay.port}`;
    expect((await fetch(`${relayed}/playground/api/config`)).status).toBe(403);
    expect(
      (await fetch(`${relayed}/playground/api/config`, { headers: { "x-latchkey-playground-token": token } }))
        .status,
    ).toBe(200);
  });

  it("opens from the banner's URL: the token becomes an HttpOnly SameSite=Strict cookie, then the page works", async () => {
    const root = await fetch(`${base}/?token=${token}`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe(`/playground/?token=${token}`);
    const first = await fetch(`${base}/playground/?token=${token}`, { redirect: "manual" });
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/playground/");
    const cookie = first.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const jar = cookie.split(";")[0] ?? "";
    const page = await fetch(`${base}/playground/`, { headers: { cookie: jar } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Latchkey Playground");
    const config = await fetch(`${base}/playground/api/config`, { headers: { cookie: jar } });
    expect(config.status).toBe(200);
    const body = (await config.json()) as { signingSecret: string; teams: { serviceUrl: string } };
    expect(body.signingSecret).toMatch(/^[0-9a-f]{64}$/);
    // Latchkey's own calls back to the Playground's Bot Connector carry the token in the path.
    expect(body.teams.serviceUrl).toContain(`/playground/t/${token}/teams/`);
  });

  it("accepts the token as a header, and in the path of Latchkey's own callbacks", async () => {
    const res = await fetch(`${base}/playground/api/state`, {
      headers: { "x-latchkey-playground-token": token },
    });
    expect(res.status).toBe(200);
    const api = await fetch(`${base}/playground/t/${token}/slack/api/auth.test`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-wrong", "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(api.status).toBe(200);
  });
});

describe("the Playground's favicon", () => {
  it("answers 200 with an image, at the root and next to the page", async () => {
    const root = await fetch(`${base}/favicon.ico`);
    expect(root.status).toBe(200);
    expect(root.headers.get("content-type")).toMatch(/^image\//);
    expect(await root.text()).toContain("<svg");
    const icon = await fetch(`${base}/playground/favicon.svg`, {
      headers: { "x-latchkey-playground-token": token },
    });
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toMatch(/^image\//);
  });
});
