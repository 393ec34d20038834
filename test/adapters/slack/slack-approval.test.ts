// The two-person rule in Slack (REQUIRE_APPROVAL=true), through Bolt's real HTTP receiver and the
// fake Slack Web API: Ada asks for a reset of Felix's phone; the status message waits with Approve
// and Reject; Ada's own Approve and an employee's are refused privately (and audited); Sam, a
// second admin, approves and the reset runs to Completed on the simulated phone. A rejection ends
// the request with its reason; an approval nobody gives expires through the scheduler's job.
import { describe, expect, it } from "vitest";
import type { FakeSlackMessage } from "../../fakes/fake-slack-api.ts";
import {
  completedThread,
  confirmationFor,
  requestFor,
  type SlackHarness,
  submitConfirmation,
  useSlackHarness,
  waitForPasscodeDm,
  waitForStatus,
  waitForThreadLine,
} from "../../support/slack-harness.ts";

const CHANNEL = "C0ITOPS";
const text = (v: unknown) => JSON.stringify(v);

async function requestThroughSlack(h: SlackHarness, deviceId: string, confirmId: string) {
  const confirmation = await confirmationFor(h, { target: "<@UFELIX|felix>", deviceId, channel: CHANNEL });
  await submitConfirmation(h, confirmation, confirmId);
  const request = await requestFor(h, deviceId);
  const status = await waitForStatus(h, CHANNEL, request.id);
  return { request, status };
}

function click(h: SlackHarness, userId: string, actionId: string, requestId: string, statusTs: string) {
  return h.slack.blockAction({
    userId,
    actionId,
    value: requestId,
    blockId: "status_actions",
    channelId: CHANNEL,
    messageTs: statusTs,
  });
}

function current(h: SlackHarness, ts: string): FakeSlackMessage {
  const m = h.fake.messages(CHANNEL).find((x) => x.ts === ts);
  if (!m) throw new Error(`no message ${ts}`);
  return m;
}

function waitForEphemeral(h: SlackHarness, user: string, line: string) {
  return expect
    .poll(() => h.fake.ephemerals().find((e) => e.user === user && e.text.includes(line))?.text, {
      timeout: 5000,
    })
    .toBeDefined();
}

async function auditRows(h: SlackHarness, requestId: string) {
  return (await h.running.core.engine.stores.audit.list({})).filter((a) => a.requestId === requestId);
}

describe("Slack: the two-person rule", () => {
  const h = useSlackHarness({ REQUIRE_APPROVAL: "true" });

  it("waits for a second admin; the requester's and an employee's Approve are refused; Sam approves; the reset completes", async () => {
    const { request, status } = await requestThroughSlack(h, "demo-pixel-xl-android7-owner", "VAPPROVE1");
    expect(request.state).toBe("awaiting_approval");
    expect(status.text).toContain("Waiting for a second admin's approval");
    expect(text(status.blocks)).toContain("approve_request");
    expect(text(status.blocks)).toContain("reject_request");
    await waitForThreadLine(h, CHANNEL, status.ts, "Waiting for a second admin's approval");

    // Ada asked for it: her Approve is refused, privately, and the request keeps waiting.
    const own = await click(h, "UADA", "approve_request", request.id, status.ts);
    expect(own.status).toBe(200);
    await waitForEphemeral(h, "UADA", "a second admin must approve it");
    // Erin is an employee.
    await click(h, "UERIN", "approve_request", request.id, status.ts);
    await waitForEphemeral(h, "UERIN", "Only IT admins can approve");
    expect((await h.running.core.engine.stores.requests.get(request.id))?.state).toBe("awaiting_approval");
    const refused = (await auditRows(h, request.id)).filter((a) => a.action === "approval.approve");
    expect(refused.map((a) => [a.actor, a.surface, a.outcome])).toEqual([
      ["ada.admin@example.com", "slack", "refused"],
      ["erin.engineer@example.com", "slack", "refused"],
    ]);

    // Sam, a second admin, approves: the thread says so and the reset runs to its end.
    await click(h, "USAM", "approve_request", request.id, status.ts);
    await waitForThreadLine(
      h,
      CHANNEL,
      status.ts,
      "Approved by Sam Security (sam.security@example.com) in Slack",
    );
    await completedThread(h, CHANNEL, request.id);
    const finalStatus = current(h, status.ts);
    expect(text(finalStatus.blocks)).not.toContain("approve_request");
    const replies = h.fake
      .messages(CHANNEL)
      .filter((m) => m.thread_ts === status.ts)
      .map((m) => m.text)
      .join("\n");
    for (const step of ["Approved", "Checked", "Sent to the device", "Locked", "Completed"]) {
      expect(replies).toContain(step);
    }
    expect(replies.indexOf("*Approved*")).toBeLessThan(replies.indexOf("*Checked*"));
    expect(
      (await auditRows(h, request.id)).find((a) => a.action === "approval.approve" && a.outcome === "ok"),
    ).toMatchObject({ actor: "sam.security@example.com", surface: "slack" });
    // The passcode still goes to the requester only, by DM.
    const dm = await waitForPasscodeDm(h, "DUADA");
    expect(text(dm.blocks)).toContain("New passcode");
    expect(h.fake.messages("DUSAM").some((m) => text(m.blocks).includes("New passcode"))).toBe(false);
  });

  it("a second admin rejects: the request ends as Rejected, the device is never told", async () => {
    const { request, status } = await requestThroughSlack(h, "demo-galaxy-s7-android6-admin", "VREJECT1");
    expect(request.state).toBe("awaiting_approval");
    await click(h, "USAM", "reject_request", request.id, status.ts);
    await waitForThreadLine(h, CHANNEL, status.ts, "Rejected by Sam Security");
    await expect.poll(() => current(h, status.ts).text).toContain("Rejected");
    const ended = current(h, status.ts);
    expect(text(ended.blocks)).not.toContain("approve_request");
    expect(text(ended.blocks)).not.toContain("cancel_request");
    const done = await h.running.core.engine.stores.requests.get(request.id);
    expect(done?.state).toBe("rejected");
    const events = await h.running.core.engine.stores.requests.events(request.id);
    expect(events.map((e) => e.type)).toEqual(["requested", "approval_requested", "rejected"]);
    expect((await auditRows(h, request.id)).find((a) => a.action === "approval.reject")).toMatchObject({
      actor: "sam.security@example.com",
      surface: "slack",
      outcome: "ok",
    });
    // Clicking again on the ended request says so, privately.
    await click(h, "USAM", "approve_request", request.id, status.ts);
    await waitForEphemeral(h, "USAM", "has already ended (rejected)");
  });
});

describe("Slack: an approval nobody gives expires", () => {
  const h = useSlackHarness({ REQUIRE_APPROVAL: "true", APPROVAL_TTL: "1s" });

  it("ends as Expired through the scheduler's job, saying why, with Approve gone", async () => {
    const { request, status } = await requestThroughSlack(h, "demo-pixel-xl-android7-owner", "VEXPIRE1");
    expect(request.state).toBe("awaiting_approval");
    await new Promise((r) => setTimeout(r, 1100));
    expect(await h.running.scheduler.runNow("expire-requests")).toBe(true);
    await waitForThreadLine(h, CHANNEL, status.ts, "no second admin approved the request in time");
    await expect.poll(() => current(h, status.ts).text).toContain("Expired");
    expect(text(current(h, status.ts).blocks)).not.toContain("approve_request");
    expect((await auditRows(h, request.id)).find((a) => a.action === "approval.expire")).toMatchObject({
      actor: "latchkey",
      surface: "system",
    });
    // Too late now.
    await click(h, "USAM", "approve_request", request.id, status.ts);
    await waitForEphemeral(h, "USAM", "has already ended (expired)");
  });
});
