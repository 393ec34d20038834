// Promise 3 of issue 5, mail: the SMTP server refuses every message (550), hangs (takes the TCP
// connection and never says a word), or answers slower than the retry backoff. Latchkey runs its
// real Slack app against the fake Slack Web API, the simulated phones, and SMTP_URL pointing at a
// local server misbehaving on purpose. Each time: the reset goes on and the device is locked, the
// passcode still arrives by Slack DM at once, the admin reads in the request's thread that the
// email failed and will be retried, the email is retried with backoff and arrives exactly once
// when the server behaves again (with the same passcode as the DM), no unhandled rejection.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/compose.ts";
import {
  confirmationFor,
  passcodeIn,
  requestFor,
  type SlackHarness,
  startSlackHarness,
  submitConfirmation,
  waitForPasscodeDm,
  waitForStatus,
  waitForThreadLine,
} from "../support/slack-harness.ts";
import { leaks, sequenceProblems } from "./support/fixtures.ts";
import { until } from "./support/processes.ts";
import { writeReport } from "./support/report.ts";
import { type FlakySmtp, startFlakySmtp } from "./support/smtp.ts";

const ADMIN_EMAIL = "ada.admin@example.com";

describe("the mail server misbehaves", () => {
  let smtp: FlakySmtp;
  let h: SlackHarness;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => void rejections.push(reason);
  const counts = { refused: 0, hung: 0, slow: 0, resets: 0, doubleMails: 0, leaked: 0 };

  beforeAll(async () => {
    process.on("unhandledRejection", onRejection);
    smtp = await startFlakySmtp("accept");
    h = await startSlackHarness({ SMTP_URL: smtp.url });
  }, 60_000);

  afterAll(async () => {
    process.off("unhandledRejection", onRejection);
    writeReport("faults-smtp", {
      processes: 1,
      resetsDriven: counts.resets,
      processesKilled: 0,
      faultsInjected: { "smtp-550": counts.refused, "smtp-hang": counts.hung, "smtp-slow": counts.slow },
      requestsLost: 0,
      doubleResets: 0,
      passcodesLeaked: counts.leaked,
      doubleMails: counts.doubleMails,
      unhandledRejections: rejections.length,
    });
    await h?.stop();
    await smtp?.close();
  }, 60_000);

  afterEach(() => {
    smtp.mode = "accept";
    smtp.answerDelayMs = 0;
  });

  /** A reset from Slack in `channel`; waits until the device is locked. */
  async function reset(channel: string, target: string, deviceId: string, viewId: string) {
    const view = await confirmationFor(h, { target, deviceId, channel });
    await submitConfirmation(h, view, viewId);
    counts.resets++;
    const request = await requestFor(h, deviceId);
    const { engine } = h.running.core;
    await until("the device to lock", async () => {
      const s = (await engine.stores.requests.get(request.id))?.state;
      return s === "locked" || s === "completed";
    });
    return request;
  }

  /** After the server behaves again: the email arrives once, the request completes, all in order. */
  async function endsWithOneEmail(running: Running, channel: string, requestId: string, dmPasscode: string) {
    const { engine } = running.core;
    await until(
      "the request to complete",
      async () => (await engine.stores.requests.get(requestId))?.state === "completed",
      90_000,
      250,
    );
    const mails = smtp.inbox.filter((m) => m.requestId === requestId);
    counts.doubleMails += Math.max(0, mails.length - 1);
    expect(mails.map((m) => m.to)).toEqual([[ADMIN_EMAIL]]);
    expect(mails[0]?.passcode).toBe(dmPasscode);
    const events = await engine.stores.requests.events(requestId);
    expect(sequenceProblems(events, "completed")).toEqual([]);
    expect(events.filter((e) => e.type === "delivered")).toHaveLength(2);
    const status = await waitForStatus(h, channel, requestId);
    await waitForThreadLine(h, channel, status.ts, "*Completed*", 20_000);
    const found = leaks(
      [dmPasscode],
      [...h.logs, ...events.map((e) => e.detail), ...h.fake.messages(channel).map((m) => JSON.stringify(m))],
    );
    counts.leaked += found.length;
    expect(found).toEqual([]);
    expect(rejections).toEqual([]);
    return events;
  }

  it("550 on every message: the DM goes, the thread says the email failed and when it is retried, then it arrives once", async () => {
    const channel = "C0SMTP550";
    smtp.mode = "refuse";
    const refusedBefore = smtp.faults.refused;
    const request = await reset(channel, "<@UADA|ada>", "demo-pixel-8-owner", "VSMTP550");
    const dm = await waitForPasscodeDm(h, "DUADA", "Pixel 8");
    const passcode = passcodeIn(dm);
    expect(passcode).not.toBe("");
    const status = await waitForStatus(h, channel, request.id);
    const told = await waitForThreadLine(h, channel, status.ts, "Retrying at", 20_000);
    expect(told.text).toMatch(/email/i);
    expect(told.text).toContain("550");
    expect(told.text).not.toContain(passcode);
    counts.refused += smtp.faults.refused - refusedBefore;
    expect(smtp.faults.refused).toBeGreaterThan(refusedBefore);
    smtp.mode = "accept";
    const events = await endsWithOneEmail(h.running, channel, request.id, passcode);
    expect(events.filter((e) => e.type === "delivery_retry").length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it("a server that never answers: the attempt times out, the DM has gone meanwhile, the retry delivers once", async () => {
    const channel = "C0SMTPHANG";
    smtp.mode = "hang";
    const hungBefore = smtp.faults.hung;
    const request = await reset(channel, "<@UFELIX|felix>", "demo-pixel-xl-android7-owner", "VSMTPHANG");
    // The DM does not wait for the hanging mail server.
    const dm = await waitForPasscodeDm(h, "DUADA", "Pixel XL");
    const passcode = passcodeIn(dm);
    expect(passcode).not.toBe("");
    const status = await waitForStatus(h, channel, request.id);
    // nodemailer's greeting timeout (15 s) ends the attempt; the thread says so.
    const told = await waitForThreadLine(h, channel, status.ts, "Retrying at", 40_000);
    expect(told.text).toMatch(/did not answer in time|ETIMEDOUT|could not reach/i);
    counts.hung += smtp.faults.hung - hungBefore;
    // While one attempt hangs, no second one was started beside it.
    expect(smtp.faults.hung - hungBefore).toBe(1);
    smtp.mode = "accept";
    await endsWithOneEmail(h.running, channel, request.id, passcode);
  }, 150_000);

  it("a server slower than the retry backoff: no second attempt beside the first, one email", async () => {
    const channel = "C0SMTPSLOW";
    // 22 s: longer than the first backoff (10 s) plus a whole sweep period (10 s), below nodemailer's 30 s socket timeout.
    smtp.answerDelayMs = 22_000;
    counts.slow++;
    let request: Awaited<ReturnType<typeof reset>>;
    try {
      request = await reset(channel, "<@UFELIX|felix>", "demo-galaxy-s7-android6-admin", "VSMTPSLOW");
      const dm = await waitForPasscodeDm(h, "DUADA", "Galaxy S7");
      const passcode = passcodeIn(dm);
      // Past the first backoff (10 s) and at least one delivery sweep (every 10 s).
      await new Promise((r) => setTimeout(r, 25_000));
      const events = await endsWithOneEmail(h.running, channel, request.id, passcode);
      expect(events.filter((e) => e.type === "delivery_retry")).toEqual([]);
    } finally {
      smtp.answerDelayMs = 0;
    }
  }, 150_000);
});
