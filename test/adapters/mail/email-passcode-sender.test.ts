import { afterEach, describe, expect, it } from "vitest";
import { createEmailPasscodeSender } from "../../../src/adapters/mail/email-passcode-sender.ts";
import { createMailTransport, type MailTransport } from "../../../src/adapters/mail/mail-transport.ts";
import { sampleLetter, startSmtp, type TestSmtp } from "./helpers.ts";

let smtp: TestSmtp | undefined;
let transport: MailTransport | undefined;
afterEach(async () => {
  transport?.close();
  await smtp?.close();
});

describe("email passcode sender", () => {
  it("reaches people with an email address", async () => {
    smtp = await startSmtp();
    transport = createMailTransport({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      outboxDir: "/nonexistent",
      from: "l@x",
    });
    const sender = createEmailPasscodeSender(transport, { publicUrl: "https://latchkey.example.com" });
    expect(sender.channel).toBe("email");
    expect(await sender.reaches({ email: "bob@example.com", name: "Bob", role: "employee" })).toBe(true);
    expect(await sender.reaches({ email: " ", name: "Bob", role: "employee" })).toBe(false);
  });

  it("mails the passcode to the recipient over SMTP, in the body and not in the subject", async () => {
    smtp = await startSmtp();
    transport = createMailTransport({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      outboxDir: "/nonexistent",
      from: "Latchkey <latchkey@example.com>",
    });
    const sender = createEmailPasscodeSender(transport, { publicUrl: "https://latchkey.example.com" });
    const letter = sampleLetter();
    letter.device.name = "<script>x</script>";
    await sender.send(letter);

    const [m] = smtp.inbox;
    expect(m?.from?.value[0]?.address).toBe("latchkey@example.com");
    expect(m?.to).toMatchObject({ text: "admin@example.com" });
    expect(m?.subject).toBe('New passcode for "<script>x</script>" (Android)');
    expect(m?.subject).not.toContain("58203917");
    expect(m?.text).toContain("58203917");
    expect(m?.html).toContain("58203917");
    expect(m?.html).not.toContain("<script>");
    expect(m?.html).toContain("&#60;script&#62;x&#60;/script&#62;");
  });

  it("sends every attempt for one request and recipient as the same message (one Message-ID)", async () => {
    smtp = await startSmtp();
    transport = createMailTransport({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      outboxDir: "/nonexistent",
      from: "Latchkey <latchkey@example.com>",
    });
    const sender = createEmailPasscodeSender(transport, { publicUrl: "https://latchkey.example.com" });
    expect(sender.repeatsAs).toContain("same Message-ID");
    await sender.send(sampleLetter());
    await sender.send(
      sampleLetter({ recipient: { email: "Admin@Example.com", name: "Ada", role: "admin" } }),
    );
    await sender.send(
      sampleLetter({ recipient: { email: "bob@example.com", name: "Bob", role: "employee" } }),
    );
    const other = sampleLetter();
    other.request = { ...other.request, id: "rq_other" };
    await sender.send(other);

    const ids = smtp.inbox.map((m) => m.messageId);
    expect(ids[0]).toMatch(/^<latchkey\.rq_abc123\.[0-9a-f]{16}@example\.com>$/);
    expect(ids[1]).toBe(ids[0]);
    expect(new Set(ids).size).toBe(3);
    expect(ids[3]).toMatch(/^<latchkey\.rq_other\./);
  });
});
