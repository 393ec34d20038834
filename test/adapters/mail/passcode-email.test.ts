import { describe, expect, it } from "vitest";
import { renderPasscodeEmail } from "../../../src/adapters/mail/passcode-email.ts";
import { sampleLetter } from "./helpers.ts";

const opts = { publicUrl: "https://latchkey.example.com/" };

describe("renderPasscodeEmail", () => {
  it("tells the admin the device, whose it is, who asked and when, the passcode and what to do", () => {
    const mail = renderPasscodeEmail(sampleLetter(), opts);
    expect(mail.subject).toBe('New passcode for "Bob\'s Pixel" (Android)');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("58203917");
      expect(part).toContain("dev_42");
      expect(part).toContain("bob@example.com");
      expect(part).toContain("Ada Admin");
      expect(part).toContain("2026-11-27T10:15:00.123Z");
      expect(part).toContain("Friday, 27 November 2026 at 10:15 UTC");
      expect(part).toContain("rq_abc123");
      expect(part).toMatch(/trusted channel/);
      expect(part).toMatch(/sent only once/);
    }
    expect(mail.text).toContain("Bob's Pixel (Android, id dev_42)");
    expect(mail.html).toContain('href="https://latchkey.example.com"');
  });

  it("tells the device user to unlock, set their own passcode, and call IT if unexpected", () => {
    const letter = sampleLetter({
      recipient: { email: "bob@example.com", name: "Bob", role: "employee" },
      toDeviceUser: true,
    });
    const mail = renderPasscodeEmail(letter, opts);
    expect(mail.subject).toBe('Your device "Bob\'s Pixel" has a new passcode');
    expect(mail.text).toContain("Hello Bob,");
    expect(mail.text).toMatch(/Unlock the device with the passcode/);
    expect(mail.text).toMatch(/set a passcode of your own/);
    expect(mail.text).toMatch(/did not expect this, contact your IT team/);
    expect(mail.text).not.toMatch(/trusted channel/);
  });

  it("never puts the passcode in the subject", () => {
    for (const toDeviceUser of [false, true]) {
      const mail = renderPasscodeEmail(sampleLetter({ toDeviceUser, passcode: "Xk7-Qp2z" }), opts);
      expect(mail.subject).not.toContain("Xk7-Qp2z");
      expect(mail.text).toContain("Xk7-Qp2z");
    }
  });

  it("escapes device names in HTML and keeps them on one line in the subject", () => {
    const letter = sampleLetter();
    letter.device.name = '<script>alert("x")</script>\r\nBcc: evil@x';
    const mail = renderPasscodeEmail(letter, opts);
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain('<script>alert("x")</script> Bcc: evil@x');
  });

  it("warns that a work-profile reset does not change the device lock", () => {
    const letter = sampleLetter();
    letter.device.managementMode = "profile_owner";
    expect(renderPasscodeEmail(letter, opts).text).toMatch(/work profile only/);
  });
});
