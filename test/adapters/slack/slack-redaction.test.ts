// A passcode sent by Slack DM does not stay there: once DM_REDACT_AFTER has passed, the DM is
// edited so it no longer shows the passcode (saying when it was sent), the timeline and the audit
// log record it, and the request's thread says so. A DM that cannot be edited is tried again
// later instead of being recorded as done.
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../../src/core/engine.ts";
import { redactDue } from "../../../src/core/reset/redact.ts";
import type { FakeSlackMessage } from "../../fakes/fake-slack-api.ts";
import {
  chooseDevice,
  completedThread,
  openResetForm,
  passcodeIn,
  requestFor,
  type SlackHarness,
  submitConfirmation,
  useSlackHarness,
  waitForPasscodeDm,
  waitForThreadLine,
} from "../../support/slack-harness.ts";

const CHANNEL = "C0ITOPS";
const PIXEL = "demo-pixel-xl-android7-owner";
const GALAXY = "demo-galaxy-s7-android6-admin";

const json = (x: unknown) => JSON.stringify(x);

/**
 * An admin (Ada) resets one of Felix's devices from a channel, as slack-reset.test.ts does; with
 * `notifyUser` the "Also send the new passcode to the device user" box is ticked. Resolves once
 * the thread shows the request completed, with the request id and the status message.
 */
async function resetThroughSlack(
  h: SlackHarness,
  deviceId: string,
  notifyUser: boolean,
  confirmViewId: string,
): Promise<{ requestId: string; status: FakeSlackMessage }> {
  const { form, viewId } = await openResetForm(h, { text: "<@UFELIX|felix>", channel: CHANNEL });
  expect(form.callback_id).toBe("reset_form");
  expect(json(form.blocks)).toContain("Also send the new passcode to the device user");
  const confirmation = await chooseDevice(h, { viewId, deviceId, notifyUser });
  await submitConfirmation(h, confirmation, confirmViewId);
  const request = await requestFor(h, deviceId);
  const status = await completedThread(h, CHANNEL, request.id);
  return { requestId: request.id, status };
}

async function slackDeliveries(h: SlackHarness, requestId: string) {
  const all = await h.running.core.engine.stores.deliveries.forRequest(requestId);
  return all.filter((d) => d.channel === "slack_dm");
}

async function redactionAudit(h: SlackHarness, requestId: string) {
  const rows = await h.running.core.engine.stores.audit.list({});
  return rows.filter((r) => r.action === "passcode.redact" && r.requestId === requestId);
}

async function eventsOf(h: SlackHarness, requestId: string, type: string) {
  const events = await h.running.core.engine.stores.requests.events(requestId);
  return events.filter((e) => e.type === type);
}

/** The same engine, with its clock `ms` ahead: what the scheduler would see that much later. */
function later(engine: Engine, ms: number): Engine {
  return { ...engine, clock: { now: () => new Date(engine.clock.now().getTime() + ms) } };
}

describe("Slack: passcodes are removed from DMs after DM_REDACT_AFTER", () => {
  const h = useSlackHarness({ DM_REDACT_AFTER: "1ms" });
  beforeAll(async () => {
    // The test plays the scheduler's "redact-chat-passcodes" job itself, at the moments it chooses.
    await h.running.scheduler.stop();
  });

  it("both DMs (the admin's and the device user's) are edited; timeline, audit and thread say so; once only", async () => {
    const { requestId, status } = await resetThroughSlack(h, PIXEL, true, "VREDACT1");

    // Both got the passcode by DM, the same one.
    const adaDm = await waitForPasscodeDm(h, "DUADA", requestId);
    const felixDm = await waitForPasscodeDm(h, "DUFELIX", requestId);
    const passcode = passcodeIn(adaDm);
    expect(passcode).toMatch(/^\d{6,}$/);
    expect(passcodeIn(felixDm)).toBe(passcode);
    const deliveries = await slackDeliveries(h, requestId);
    expect(deliveries.map((d) => d.recipientEmail).sort()).toEqual([
      "ada.admin@example.com",
      "felix.field@example.com",
    ]);
    expect(deliveries.every((d) => d.status === "sent" && d.redactAt !== null)).toBe(true);

    await redactDue(h.running.core.engine);

    // Both DMs were edited: the passcode is gone, and the message says when it was sent.
    // Each DM was posted without the passcode, edited once to put it in, and once to take it out.
    for (const dm of [adaDm, felixDm]) {
      await expect.poll(() => dm.edits.length).toBe(2);
      const posted = h.fake.callsTo("chat.postMessage").filter((c) => c.args.channel === dm.channel);
      expect(posted.length).toBeGreaterThan(0);
      expect(json(posted.map((c) => c.args))).not.toContain(passcode);
      expect(json(dm.edits[0])).toContain(passcode);
      expect(json(dm.blocks)).not.toContain(passcode);
      expect(dm.text).not.toContain(passcode);
      expect(json(dm.edits.at(-1))).not.toContain(passcode);
      expect(dm.text).toContain("removed");
      const email = dm.channel === "DUADA" ? "ada.admin@example.com" : "felix.field@example.com";
      const sentAt = deliveries.find((d) => d.recipientEmail === email)?.sentAt as Date;
      expect(sentAt).toBeInstanceOf(Date);
      const text = json(dm.blocks);
      expect(text).toContain(`<!date^${Math.floor(sentAt.getTime() / 1000)}^`);
      expect(text).toMatch(/\|\d\d [A-Z][a-z]{2}( \d{4})? \d\d:\d\d UTC>/);
      expect(text).toContain("Felix's Pixel XL");
    }
    // Every other DM message (status, milestones) was not touched by the redaction.
    const adaOthers = h.fake.messages("DUADA").filter((m) => m.ts !== adaDm.ts);
    expect(adaOthers.every((m) => !json(m.blocks).includes("A new passcode for"))).toBe(true);

    // The timeline and the audit log record each removal.
    await expect.poll(async () => (await eventsOf(h, requestId, "redacted")).length).toBe(2);
    const redacted = await eventsOf(h, requestId, "redacted");
    expect(redacted.map((e) => e.detail).join("\n")).toContain("ada.admin@example.com");
    expect(redacted.map((e) => e.detail).join("\n")).toContain("felix.field@example.com");
    const audit = await redactionAudit(h, requestId);
    expect(audit).toHaveLength(2);
    expect(audit.every((r) => r.outcome === "ok")).toBe(true);
    expect(
      (await slackDeliveries(h, requestId)).every((d) => d.redactedAt !== null && d.redactAt === null),
    ).toBe(true);

    // The channel's thread says so, and still never shows the passcode.
    const milestone = await waitForThreadLine(h, CHANNEL, status.ts, "Passcode removed from chat");
    expect(milestone.text).toContain("Slack direct message");
    expect(json(h.fake.messages(CHANNEL))).not.toContain(passcode);

    // A second run finds nothing to do.
    const edits = h.fake.callsTo("chat.update").length;
    expect(await redactDue(h.running.core.engine)).toBe(0);
    expect(h.fake.callsTo("chat.update").length).toBe(edits);
    expect(adaDm.edits).toHaveLength(2);
    expect(felixDm.edits).toHaveLength(2);
    expect(await eventsOf(h, requestId, "redacted")).toHaveLength(2);
    expect(await redactionAudit(h, requestId)).toHaveLength(2);
  });

  it("a DM that cannot be edited is tried again later, not recorded as done", async () => {
    const { requestId } = await resetThroughSlack(h, GALAXY, false, "VREDACT2");
    const adaDm = await waitForPasscodeDm(h, "DUADA", requestId);
    const passcode = passcodeIn(adaDm);
    expect(passcode).toMatch(/^\d{6,}$/);
    const [delivery] = await slackDeliveries(h, requestId);
    expect(delivery?.redactAt).toBeInstanceOf(Date);

    // Slack refuses the edit once.
    h.fake.fail("chat.update", { error: "message_not_found" });
    const started = Date.now();
    await redactDue(h.running.core.engine);
    const refused = h.fake.callsTo("chat.update").filter((c) => c.error === "message_not_found");
    expect(refused.map((c) => [c.args.channel, c.args.ts])).toEqual([["DUADA", adaDm.ts]]);

    // Not recorded as removed: no edit, no "redacted" event, no audit row; the next try is later.
    await expect
      .poll(async () => (await slackDeliveries(h, requestId))[0]?.redactAt?.getTime() ?? 0)
      .toBeGreaterThan(started + 60_000);
    const [after] = await slackDeliveries(h, requestId);
    expect(after?.redactedAt).toBeNull();
    expect(adaDm.edits).toHaveLength(1); // only the edit that put the passcode in
    expect(json(adaDm.blocks)).toContain(passcode);
    expect(await eventsOf(h, requestId, "redacted")).toEqual([]);
    expect(await redactionAudit(h, requestId)).toEqual([]);
    // Not due again right away.
    expect(await redactDue(h.running.core.engine)).toBe(0);

    // When the retry is due, the passcode is removed.
    await redactDue(later(h.running.core.engine, 6 * 60_000));
    await expect.poll(() => adaDm.edits.length).toBe(2);
    expect(json(adaDm.blocks)).not.toContain(passcode);
    await expect.poll(async () => (await eventsOf(h, requestId, "redacted")).length).toBe(1);
    expect((await redactionAudit(h, requestId)).map((r) => r.outcome)).toEqual(["ok"]);
  });
});

describe("Slack: with the default DM_REDACT_AFTER (1h)", () => {
  const h = useSlackHarness();

  it("right after completion nothing is removed: the DM still shows the passcode", async () => {
    const { requestId } = await resetThroughSlack(h, PIXEL, false, "VREDACT3");
    const adaDm = await waitForPasscodeDm(h, "DUADA", requestId);
    const passcode = passcodeIn(adaDm);
    expect(passcode).toMatch(/^\d{6,}$/);
    // The DM says how long the passcode stays.
    expect(json(adaDm.blocks)).toMatch(/60 minutes|1 hour|an hour/);
    const [delivery] = await slackDeliveries(h, requestId);
    const sentAt = delivery?.sentAt?.getTime() ?? 0;
    expect(delivery?.redactAt?.getTime()).toBe(sentAt + 3_600_000);

    const updates = h.fake.callsTo("chat.update").length;
    expect(await redactDue(h.running.core.engine)).toBe(0);
    expect(h.fake.callsTo("chat.update").length).toBe(updates);
    expect(adaDm.edits).toHaveLength(1); // only the edit that put the passcode in
    expect(json(adaDm.blocks)).toContain(passcode);
    expect(await eventsOf(h, requestId, "redacted")).toEqual([]);
  });
});
