// A real SMTP server on a free local port, and a sample passcode letter.
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { PasscodeLetter } from "../../../src/core/ports.ts";
import { sampleDevice } from "../../support/sample-device.ts";

export interface TestSmtp {
  port: number;
  inbox: ParsedMail[];
  close(): Promise<void>;
}

export async function startSmtp(extra: Partial<SMTPServerOptions> = {}): Promise<TestSmtp> {
  const inbox: ParsedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    logger: false,
    onData(stream, _session, cb) {
      simpleParser(stream).then((m) => {
        inbox.push(m);
        cb();
      }, cb);
    },
    ...extra,
  });
  // A client gone mid-conversation is re-emitted as an 'error' on the server; unheard, it would be
  // an uncaught exception. The tests check what arrived, not the server's socket errors.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as { port: number };
  return { port, inbox, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export function sampleLetter(over: Partial<PasscodeLetter> = {}): PasscodeLetter {
  const createdAt = new Date("2026-11-27T10:15:00.123Z");
  return {
    recipient: { email: "admin@example.com", name: "Ada Admin", role: "admin" },
    requester: { email: "admin@example.com", name: "Ada Admin", role: "admin" },
    device: sampleDevice({
      id: "dev_42",
      ownerEmail: "bob@example.com",
      name: "Bob's Pixel",
      passcodePolicy: { enforced: true, type: "numeric", minLength: 8, complexity: "medium" },
      lastSeenAt: createdAt,
    }),
    request: {
      id: "rq_abc123",
      kind: "reset_and_lock",
      deviceId: "dev_42",
      requestedBy: "admin@example.com",
      surface: "slack",
      notifyUser: false,
      state: "passcode_generated",
      pushAttempts: 0,
      nextPushAt: null,
      expiresAt: new Date("2026-11-28T10:15:00.123Z"),
      outcome: null,
      createdAt,
      finishedAt: null,
      hasPasscode: true,
      mdmBaselines: {},
    },
    passcode: "58203917",
    toDeviceUser: false,
    caveat: null,
    ...over,
  };
}
