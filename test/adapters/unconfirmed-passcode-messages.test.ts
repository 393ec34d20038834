// The passcode of a reset the device never confirmed reads differently on every private channel:
// the email, the Slack DM and the Teams card each say the device may or may not have applied it,
// and none claims the device is locked. The notification text never holds the passcode.
import { describe, expect, it } from "vitest";
import { renderPasscodeEmail } from "../../src/adapters/mail/passcode-email.ts";
import { passcodeDm } from "../../src/adapters/slack/views/dm-messages.ts";
import { passcodeActivity } from "../../src/adapters/teams/cards/dm-cards.ts";
import { passcodeCaveat } from "../../src/core/reset/unconfirmed-reset.ts";
import { sampleLetter } from "./mail/helpers.ts";

const base = sampleLetter();
const expired = { ...base.request, state: "expired" as const };
const letter = { ...base, request: expired, caveat: passcodeCaveat(expired) };

describe("the passcode of an unconfirmed reset", () => {
  it("has a caveat only when the device did not confirm the lock", () => {
    expect(passcodeCaveat({ ...base.request, state: "completed" })).toBeNull();
    expect(passcodeCaveat({ ...base.request, state: "locked" })).toBeNull();
    expect(passcodeCaveat({ ...base.request, kind: "lock", state: "failed" })).toBeNull();
    expect(passcodeCaveat({ ...base.request, state: "failed" })).toContain(
      "the device reported that it could not complete the reset",
    );
    expect(letter.caveat).toContain("the request expired before the device reported the result");
  });

  it("says so in the email, which does not claim the device is locked", () => {
    const mail = renderPasscodeEmail(letter, { publicUrl: "http://localhost:3000" });
    expect(mail.subject).toBe(
      `Possible new passcode for "Bob's Pixel" (Android): the device did not confirm it`,
    );
    expect(mail.text).toContain("may or may not have applied this passcode");
    expect(mail.text).toContain(letter.passcode);
    expect(mail.text).not.toContain("locked");
    expect(mail.subject).not.toContain(letter.passcode);
    expect(mail.html).toContain("may or may not have applied this passcode");
  });

  it("says so in the Slack DM, with the passcode out of the notification text", () => {
    const dm = passcodeDm(letter, 3_600_000);
    const body = JSON.stringify(dm.blocks);
    expect(body).toContain("may or may not have applied this passcode");
    expect(body).toContain(letter.passcode);
    expect(body).not.toContain("the device is locked");
    expect(dm.text).not.toContain(letter.passcode);
  });

  it("says so in the Teams card, with the passcode out of the summary", () => {
    const activity = passcodeActivity(letter, 3_600_000);
    const card = JSON.stringify(activity.attachments);
    expect(card).toContain("may or may not have applied this passcode");
    expect(card).toContain(letter.passcode);
    expect(card).not.toContain("the device is locked");
    expect(activity.summary).not.toContain(letter.passcode);
  });
});
