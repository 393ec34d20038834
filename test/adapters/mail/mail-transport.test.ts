import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { createMailTransport, type MailTransport } from "../../../src/adapters/mail/mail-transport.ts";
import { PermanentDeliveryError } from "../../../src/core/ports.ts";
import { startSmtp, type TestSmtp } from "./helpers.ts";

const FROM = "Latchkey <latchkey@example.com>";
const msg = {
  to: "bob@example.com",
  subject: "Hello",
  text: "body SECRET-123",
  html: "<p>body SECRET-123</p>",
};

let smtp: TestSmtp | undefined;
let transport: MailTransport | undefined;
afterEach(async () => {
  transport?.close();
  await smtp?.close();
  smtp = undefined;
  transport = undefined;
});

/** The error a send failed with; fails the test if it succeeded. */
async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error("expected the send to fail");
  return err;
}

const outboxDir = () => path.join(mkdtempSync(path.join(os.tmpdir(), "latchkey-mail-")), "outbox");

describe("SMTP mode", () => {
  it("delivers from, to, subject, text and html", async () => {
    smtp = await startSmtp();
    transport = createMailTransport({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      outboxDir: outboxDir(),
      from: FROM,
    });
    expect(transport.kind).toBe("smtp");
    const sent = await transport.send(msg);
    expect(sent.messageId).toMatch(/^<.+>$/);
    expect(sent.file).toBeUndefined();
    const [m] = smtp.inbox;
    expect(m?.from?.text).toBe('"Latchkey" <latchkey@example.com>');
    expect(m?.to).toMatchObject({ text: "bob@example.com" });
    expect(m?.subject).toBe("Hello");
    expect(m?.text?.trim()).toBe("body SECRET-123");
    expect(m?.html).toContain("<p>body SECRET-123</p>");
    expect(m?.messageId).toBe(sent.messageId);
  });

  it("logs in with the URL's credentials, and says so plainly when refused", async () => {
    smtp = await startSmtp({
      authMethods: ["PLAIN", "LOGIN"],
      allowInsecureAuth: true,
      onAuth: (auth, _s, cb) =>
        auth.username === "latch" && auth.password === "right"
          ? cb(null, { user: auth.username })
          : cb(new Error("Invalid username or password")),
    });
    const good = createMailTransport({
      smtpUrl: `smtp://latch:right@127.0.0.1:${smtp.port}`,
      outboxDir: outboxDir(),
      from: FROM,
    });
    await good.send(msg);
    good.close();
    expect(smtp.inbox).toHaveLength(1);

    transport = createMailTransport({
      smtpUrl: `smtp://latch:wrong@127.0.0.1:${smtp.port}`,
      outboxDir: outboxDir(),
      from: FROM,
    });
    const err = await failure(transport.send(msg));
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe("SMTP server refused the login (EAUTH)");
    expect(smtp.inbox).toHaveLength(1);
  });

  it("names the rejected recipient and never echoes the body", async () => {
    smtp = await startSmtp({
      onRcptTo: (addr, _s, cb) =>
        addr.address === "ghost@example.com"
          ? cb(Object.assign(new Error("No such user here"), { responseCode: 550 }))
          : cb(),
    });
    transport = createMailTransport({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      outboxDir: outboxDir(),
      from: FROM,
    });
    const err = await failure(transport.send({ ...msg, to: "ghost@example.com" }));
    expect(err.message).toBe("SMTP server rejected the recipient ghost@example.com (EENVELOPE 550)");
    // A 5xx refusal is final: the delivery is given up at once rather than retried for hours.
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).not.toContain("SECRET");
    expect(smtp.inbox).toHaveLength(0);
  });

  it("says the server cannot be reached", async () => {
    smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    smtp = undefined;
    transport = createMailTransport({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      outboxDir: outboxDir(),
      from: FROM,
    });
    const err = await failure(transport.send(msg));
    expect(err.message).toBe("Could not reach the SMTP server (ECONNREFUSED)");
  });
});

describe("outbox mode", () => {
  it("writes a parseable .eml, sortable by time, readable only by its owner", async () => {
    const dir = outboxDir();
    transport = createMailTransport({ smtpUrl: null, outboxDir: dir, from: FROM });
    expect(transport.kind).toBe("outbox");
    const before = Date.now();
    const first = await transport.send(msg);
    const second = await transport.send({ ...msg, subject: "Second" });

    const names = readdirSync(dir);
    expect(names).toHaveLength(2);
    expect(first.file).toBe(path.join(dir, path.basename(first.file ?? "")));
    expect(path.basename(first.file ?? "")).toMatch(/^\d{8}T\d{9}Z-[A-Za-z0-9._@-]+\.eml$/);
    const stamp = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(\d{3})Z/.exec(path.basename(first.file ?? ""));
    const at = Date.parse(
      `${stamp?.[1]}-${stamp?.[2]}-${stamp?.[3]}T${stamp?.[4]}:${stamp?.[5]}:${stamp?.[6]}.${stamp?.[7]}Z`,
    );
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(second.file).not.toBe(first.file);
    expect(statSync(first.file ?? "").mode & 0o777).toBe(0o600);

    const m = await simpleParser(readFileSync(first.file ?? ""));
    expect(m.from?.text).toBe('"Latchkey" <latchkey@example.com>');
    expect(m.to).toMatchObject({ text: "bob@example.com" });
    expect(m.subject).toBe("Hello");
    expect(m.text?.trim()).toBe("body SECRET-123");
    expect(m.html).toContain("<p>body SECRET-123</p>");
    expect(m.messageId).toBe(first.messageId);
  });
});
