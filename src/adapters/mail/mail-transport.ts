// Sends mail over SMTP when SMTP_URL is set; otherwise drops each message as an .eml file in an
// outbox directory, so a fresh install works without a mail server. The mail carries passcodes:
// over smtp:// to a host that is not this machine, STARTTLS is required (smtp-tls.ts).
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import { PermanentDeliveryError } from "../../core/ports.ts";
import { PRIVATE_DIR, PRIVATE_FILE } from "../../private-files.ts";
import { type SmtpTls, smtpTlsPolicy } from "./smtp-tls.ts";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Makes the Message-ID `<latchkey.KEY@from-domain>`: the same key, the same message. */
  messageKey?: string;
}

export interface MailTransport {
  kind: "smtp" | "outbox";
  send(msg: OutgoingMail): Promise<{ messageId: string; file?: string }>;
  close(): void;
}

export function createMailTransport(opts: {
  smtpUrl: string | null;
  outboxDir: string;
  from: string;
}): MailTransport {
  return opts.smtpUrl ? smtpTransport(opts.smtpUrl, opts.from) : outboxTransport(opts.outboxDir, opts.from);
}

function smtpTransport(url: string, from: string): MailTransport {
  // Defaults wait minutes on a dead server; a delivery worker retries sooner than that.
  const tls = smtpTlsPolicy(url);
  const mailer = nodemailer.createTransport(
    {
      url,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
      ...(tls === "starttls-required" ? { requireTLS: true } : {}),
    },
    { from },
  );
  return {
    kind: "smtp",
    async send(msg) {
      try {
        const info = await mailer.sendMail(withMessageId(msg, from));
        return { messageId: info.messageId };
      } catch (err) {
        throw smtpError(err, msg.to, tls);
      }
    },
    close: () => mailer.close(),
  };
}

function outboxTransport(dir: string, from: string): MailTransport {
  const composer = nodemailer.createTransport(
    { streamTransport: true, buffer: true, newline: "windows" },
    { from },
  );
  return {
    kind: "outbox",
    async send(msg) {
      const info = await composer.sendMail(withMessageId(msg, from));
      const stamp = new Date().toISOString().replace(/[-:.]/g, "");
      const id = info.messageId.replace(/^<|>$/g, "").replace(/[^A-Za-z0-9._@-]/g, "_");
      const file = path.join(dir, `${stamp}-${id}.eml`);
      try {
        // Owner only, the folder (also one an older version made) and each file: they hold
        // passcodes in clear. Every time: an operator may have removed the folder meanwhile.
        await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
        await chmod(dir, PRIVATE_DIR);
        await writeFile(file, info.message as Buffer, { mode: PRIVATE_FILE, flag: "wx" });
      } catch (err) {
        throw withCode(
          `Could not write the mail to the outbox ${dir} (${codeOf(err) ?? "error"})`,
          codeOf(err),
        );
      }
      return { messageId: info.messageId, file };
    },
    close: () => composer.close(),
  };
}

function withMessageId(
  msg: OutgoingMail,
  from: string,
): Omit<OutgoingMail, "messageKey"> & { messageId?: string } {
  const { messageKey, ...mail } = msg;
  if (!messageKey) return mail;
  const domain = /@([^\s@>]+)>?\s*$/.exec(from)?.[1] ?? "latchkey.invalid";
  return { ...mail, messageId: `<latchkey.${messageKey}@${domain}>` };
}

interface NodemailerError {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  command?: string;
  rejected?: string[];
}

/** One short sentence per failure; the raw error may quote the server, never our body, but we keep neither. */
function smtpError(err: unknown, to: string, tls: SmtpTls): Error {
  const e = (typeof err === "object" && err !== null ? err : {}) as NodemailerError;
  const code = e.code ?? "error";
  const reply = e.responseCode ? ` ${e.responseCode}` : "";
  switch (code) {
    case "EAUTH":
      return withCode("SMTP server refused the login (EAUTH)", code);
    case "ENOAUTH":
      return withCode("SMTP server needs a login but SMTP_URL has no user and password (ENOAUTH)", code);
    case "EENVELOPE": {
      const who = e.rejected?.length ? e.rejected.join(", ") : to;
      const message = `SMTP server rejected the recipient ${who} (${code}${reply})`;
      // 5xx is the server's final word on that address (4xx, e.g. a full mailbox, may pass).
      if (e.responseCode && e.responseCode >= 500) {
        return Object.assign(new PermanentDeliveryError(message), { code });
      }
      return withCode(message, code);
    }
    case "EMESSAGE":
      return withCode(`SMTP server refused the message (${code}${reply})`, code);
    case "ETIMEDOUT":
      return withCode("SMTP server did not answer in time (ETIMEDOUT)", code);
    case "ETLS":
    case "EREQUIRETLS":
      if (tls === "starttls-required" && e.command === "STARTTLS") {
        return withCode(
          `The SMTP server does not offer STARTTLS, which SMTP_URL requires (smtp:// to a host that is not this machine): use smtps://, enable STARTTLS on the server, or add ?ignoreTLS=true to SMTP_URL to send passcodes in plain text (${code})`,
          code,
        );
      }
      return withCode(`TLS with the SMTP server failed (${code})`, code);
    case "ECONNECTION":
    case "ESOCKET":
    case "EDNS":
      return withCode(`Could not reach the SMTP server (${e.originalCode ?? code})`, code);
    default:
      return withCode(`Sending mail over SMTP failed (${code}${reply})`, code);
  }
}

function codeOf(err: unknown): string | undefined {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

function withCode(message: string, code: string | undefined): Error {
  return Object.assign(new Error(message), { code });
}
