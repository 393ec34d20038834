// SMTP_URL and TLS: passcodes travel in these messages, so smtp:// to a host that is not this
// machine must upgrade with STARTTLS or not send at all; loopback, and a URL that opts out
// explicitly (?ignoreTLS=true), may send in plain text. The decision is a function of the URL
// (unit table); the real-server tests reach the in-process smtp-server through `localhost`
// (loopback by name: plain allowed) and through `127.1`, a spelling of 127.0.0.1 the policy does
// not treat as loopback, standing in for a remote host (this machine reaches no other).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMailTransport, type MailTransport } from "../../../src/adapters/mail/mail-transport.ts";
import { smtpTlsPolicy } from "../../../src/adapters/mail/smtp-tls.ts";
import { isLoopbackName as isLoopbackHost } from "../../../src/loopback.ts";
import { startSmtp, type TestSmtp } from "./helpers.ts";

const FROM = "Latchkey <latchkey@example.com>";
const msg = { to: "bob@example.com", subject: "Your passcode", text: "58203917", html: "<p>58203917</p>" };
const PASSWORD = "pw-DO-NOT-LEAK-7731";

let smtp: TestSmtp | undefined;
let transport: MailTransport | undefined;
afterEach(async () => {
  transport?.close();
  await smtp?.close();
  smtp = undefined;
  transport = undefined;
});

const outboxDir = () => path.join(mkdtempSync(path.join(os.tmpdir(), "latchkey-tls-")), "outbox");
const mailer = (smtpUrl: string) => createMailTransport({ smtpUrl, outboxDir: outboxDir(), from: FROM });
const loginServer = () =>
  startSmtp({
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    onAuth: (auth, _s, cb) => cb(null, { user: auth.username }),
  });

describe("SMTP TLS policy", () => {
  it.each([
    ["smtp://mail.example.com:587", "starttls-required"],
    ["smtp://user:pw@10.0.0.5", "starttls-required"],
    ["smtp://127.1:25", "starttls-required"],
    ["smtp://localhost.example.com:25", "starttls-required"],
    ["smtp://[2001:db8::1]:25", "starttls-required"],
    ["smtp://mail.example.com?ignoreTLS=false", "starttls-required"],
    ["smtp://localhost:25", "opportunistic"],
    ["smtp://LOCALHOST:25", "opportunistic"],
    ["smtp://127.0.0.1:1025", "opportunistic"],
    ["smtp://127.8.9.10", "opportunistic"],
    ["smtp://[::1]:25", "opportunistic"],
    ["smtp://mail.example.com?ignoreTLS=true", "plain"],
    ["smtp://mail.example.com?requireTLS=false", "opportunistic"],
    ["smtps://mail.example.com", "implicit"],
    ["smtp://mail.example.com:465?secure=true", "implicit"],
  ])("%s -> %s", (url, policy) => {
    expect(smtpTlsPolicy(url)).toBe(policy);
  });

  it("treats only literal loopback as loopback", () => {
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("[0:0:0:0:0:0:0:1]")).toBe(true);
    expect(isLoopbackHost("127.255.0.1")).toBe(true);
    expect(isLoopbackHost("128.0.0.1")).toBe(false);
    expect(isLoopbackHost("[::2]")).toBe(false);
    expect(isLoopbackHost("localhost.attacker.example")).toBe(false);
    expect(isLoopbackHost("2130706433")).toBe(false);
  });
});

describe("SMTP TLS against a real server without STARTTLS", () => {
  it("sends in plain text to a server named localhost", async () => {
    smtp = await loginServer();
    transport = mailer(`smtp://latch:${PASSWORD}@localhost:${smtp.port}`);
    await transport.send(msg);
    expect(smtp.inbox.map((m) => m.subject)).toEqual(["Your passcode"]);
  });

  it("refuses to send to a host that is not loopback by name, and says why without the password", async () => {
    smtp = await loginServer();
    transport = mailer(`smtp://latch:${PASSWORD}@127.1:${smtp.port}`);
    const err = await transport.send(msg).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(
      /^The SMTP server does not offer STARTTLS, which SMTP_URL requires .*add \?ignoreTLS=true .*\(ETLS\)$/,
    );
    expect(JSON.stringify({ ...err, message: err?.message, stack: err?.stack })).not.toContain(PASSWORD);
    expect(smtp.inbox).toEqual([]);
  });

  it("sends in plain text to such a host when the URL says so (?ignoreTLS=true)", async () => {
    smtp = await loginServer();
    transport = mailer(`smtp://latch:${PASSWORD}@127.1:${smtp.port}?ignoreTLS=true`);
    await transport.send(msg);
    expect(smtp.inbox).toHaveLength(1);
  });
});

describe("SMTP TLS against a real server with STARTTLS", () => {
  it("upgrades, and delivers, to a host that is not loopback by name", async () => {
    let secured = false;
    smtp = await startSmtp({
      disabledCommands: [],
      onConnect: (_s, cb) => cb(),
      onMailFrom: (_a, session, cb) => {
        secured = session.secure;
        cb();
      },
    });
    // smtp-server's built-in certificate is self-signed: trusting it is the test's own choice.
    transport = mailer(`smtp://127.1:${smtp.port}?tls.rejectUnauthorized=false`);
    await transport.send(msg);
    expect(secured).toBe(true);
    expect(smtp.inbox).toHaveLength(1);
  });
});
