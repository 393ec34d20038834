// An in-process SMTP server (smtp-server) that can misbehave on purpose: accept, refuse every
// message with a 5xx, or hang (accept the TCP connection and never say a word).
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  requestId: string | null;
  passcode: string | null;
  /** The message's Message-ID header: a copy sent again carries the same one. */
  messageId: string | null;
  at: number;
}

export type SmtpMode = "accept" | "refuse" | "hang";

export interface FlakySmtp {
  url: string;
  mode: SmtpMode;
  inbox: ReceivedMail[];
  /** Runs once a message is in, before the server answers 250 (a test pulls a plug there). */
  beforeAccept: ((mail: ReceivedMail) => Promise<void>) | null;
  /** Extra wait before answering each message (a slow server). */
  answerDelayMs: number;
  /** Connections made while hanging, and messages refused while refusing. */
  faults: { hung: number; refused: number };
  close(): Promise<void>;
}

export function parsePasscodeMail(text: string): { requestId: string | null; passcode: string | null } {
  return {
    requestId: /Request:\s+(rq_[0-9a-zA-Z_]+)/.exec(text)?.[1] ?? null,
    passcode: /New passcode:\s+(\S+)/.exec(text)?.[1] ?? null,
  };
}

export async function startFlakySmtp(mode: SmtpMode = "accept"): Promise<FlakySmtp> {
  const inbox: ReceivedMail[] = [];
  const faults = { hung: 0, refused: 0 };
  const state = { mode };
  const hooks: { beforeAccept: FlakySmtp["beforeAccept"]; answerDelayMs: number } = {
    beforeAccept: null,
    answerDelayMs: 0,
  };
  const smtp = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    logger: false,
    onData(stream, session, cb) {
      if (state.mode === "refuse") {
        stream.resume();
        stream.on("end", () => {
          faults.refused++;
          const err = Object.assign(new Error("Mailbox unavailable: relaying denied (test)"), {
            responseCode: 550,
          });
          cb(err);
        });
        return;
      }
      simpleParser(stream).then(async (m) => {
        const text = m.text ?? "";
        const mail: ReceivedMail = {
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          subject: m.subject ?? "",
          text,
          ...parsePasscodeMail(text),
          messageId: m.messageId ?? null,
          at: Date.now(),
        };
        inbox.push(mail);
        if (hooks.answerDelayMs > 0) await new Promise((r) => setTimeout(r, hooks.answerDelayMs));
        const hook = hooks.beforeAccept;
        if (hook) await hook(mail).catch(() => {});
        cb();
      }, cb);
    },
  });
  // A client that vanishes mid-conversation (the tests SIGKILL replicas while they mail) makes
  // smtp-server's reply hit a closed socket; it re-emits that EPIPE/ECONNRESET on the server, and
  // an 'error' event nobody listens to is an uncaught exception. A real mail server logs and goes
  // on; so does this one. Whether each message arrived is what the tests check.
  smtp.on("error", () => {});
  smtp.listen(0, "127.0.0.1");
  await new Promise<void>((ok) => smtp.server.once("listening", () => ok()));
  const innerPort = (smtp.server.address() as AddressInfo).port;
  // One listener in front: while hanging, a connection is held open and never answered; else it is
  // handed to smtp-server.
  const held = new Set<Socket>();
  const front: Server = createServer((socket) => {
    if (state.mode === "hang") {
      faults.hung++;
      held.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => held.delete(socket));
      return;
    }
    const inner = connect(innerPort, "127.0.0.1");
    socket.pipe(inner).pipe(socket);
    socket.on("error", () => inner.destroy());
    inner.on("error", () => socket.destroy());
  });
  front.listen(0, "127.0.0.1");
  await new Promise<void>((ok) => front.once("listening", () => ok()));
  const { port } = front.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(m: SmtpMode) {
      state.mode = m;
    },
    inbox,
    faults,
    get beforeAccept() {
      return hooks.beforeAccept;
    },
    set beforeAccept(h) {
      hooks.beforeAccept = h;
    },
    get answerDelayMs() {
      return hooks.answerDelayMs;
    },
    set answerDelayMs(ms: number) {
      hooks.answerDelayMs = ms;
    },
    async close() {
      for (const s of held) s.destroy();
      await new Promise<void>((ok) => front.close(() => ok()));
      await new Promise<void>((ok) => smtp.close(() => ok()));
    },
  };
}
