// `/reset-passcode` as people use it beyond the happy path: help, typos, status (the list and one
// request's timeline), cancel (by command and by the status message's button), Details, and the
// people Latchkey cannot or must not serve (unknown users, guests without an email, bots,
// non-admins), always checked on what the person sees: the ack body, the response_url reply, the
// modal, the ephemeral, the channel's status message and its thread.
import { beforeAll, describe, expect, it } from "vitest";
import type { FakeSlackView } from "../../fakes/fake-slack-api.ts";
import {
  confirmationFor,
  nextCall,
  openResetForm,
  passcodeIn,
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

let responseSeq = 0;
/** A command whose answer comes privately through its response_url; returns what the user reads. */
async function ask(h: SlackHarness, commandText: string, userId = "UADA"): Promise<string> {
  const id = `cmd-${++responseSeq}`;
  const res = await h.slack.command({
    userId,
    text: commandText,
    channelId: CHANNEL,
    responseUrl: h.fake.responseUrl(id),
  });
  expect(res.status).toBe(200);
  expect(res.body).toBe("");
  const reply = await h.fake.waitForResponse((r) => r.id === id);
  const body = reply.body as { response_type?: string; text?: string };
  // Private: never posted for the whole channel to see.
  expect(body.response_type).toBe("ephemeral");
  return String(body.text);
}

/** Form -> Next -> confirmation -> Reset and lock, as the admin clicks through it. */
async function resetThroughSlack(
  h: SlackHarness,
  o: { target: string; deviceId: string; confirmId: string; userId?: string },
): Promise<{ requestId: string; statusTs: string }> {
  const { userId, target, deviceId, confirmId } = o;
  const confirmation = await confirmationFor(h, { userId, target, deviceId, channel: CHANNEL });
  await submitConfirmation(h, confirmation, confirmId, userId);
  const { id: requestId } = await requestFor(h, deviceId);
  const status = await waitForStatus(h, CHANNEL, requestId);
  return { requestId, statusTs: status.ts };
}

/**
 * A click on a status message's button. The button's value (the request id) is passed: the
 * status message's actions block has no block_id, and the test client only fills the value in
 * for blocks that have one (Slack itself always sends it).
 */
function click(
  h: SlackHarness,
  o: { userId: string; actionId: "cancel_request" | "request_details"; requestId: string; statusTs: string },
) {
  return h.slack.blockAction({
    userId: o.userId,
    actionId: o.actionId,
    value: o.requestId,
    blockId: "actions",
    channelId: CHANNEL,
    messageTs: o.statusTs,
  });
}

function threadText(h: SlackHarness, statusTs: string): string {
  return h.fake
    .messages(CHANNEL)
    .filter((m) => m.thread_ts === statusTs)
    .map((m) => m.text)
    .join("\n");
}

function statusOf(h: SlackHarness, statusTs: string) {
  const m = h.fake.messages(CHANNEL).find((x) => x.ts === statusTs);
  if (!m) throw new Error(`no status message ${statusTs}`);
  return m;
}

async function requestCount(h: SlackHarness): Promise<number> {
  return (await h.running.core.engine.stores.requests.list({ limit: 500 })).length;
}

describe("Slack /reset-passcode: help, typos, status, Details, who may use it", () => {
  const h = useSlackHarness();

  it("status with no requests yet says so, with the usage", async () => {
    const answer = await ask(h, "status");
    expect(answer).toContain("No requests yet");
    expect(answer).toContain("/reset-passcode @user");
  });

  it("help (and an empty command) answers in the ack, privately, with the usage", async () => {
    for (const t of ["help", "", "?"]) {
      const res = await h.slack.command({ userId: "UADA", text: t, channelId: CHANNEL });
      expect(res.status).toBe(200);
      const body = res.json() as { response_type: string; text: string };
      expect(body.response_type).toBe("ephemeral");
      expect(body.text).toContain("/reset-passcode @alice");
      expect(body.text).toContain("/reset-passcode status");
      expect(body.text).toContain("/reset-passcode cancel rq_");
      expect(body.text).toMatch(/never in the channel/);
    }
    expect(h.fake.callsTo("views.open")).toHaveLength(0);
  });

  it("text it cannot read gets a clear message in the ack and starts nothing", async () => {
    const before = await requestCount(h);
    const responses = h.fake.responses.length;
    const cases: [string, RegExp][] = [
      ["felix omar", /Name one person/],
      ["status nope", /"nope" is not a request id/],
      ["cancel", /Say which request to cancel/],
      ["cancel 42", /"42" is not a request id/],
      ["<#C0ITOPS|it-ops>", /channel or a group, not a person/],
      ["<!here>", /channel or a group, not a person/],
      ["$%^&", /could not read "\$%\^&" as a person/],
      // Long input is refused for its length and never quoted back whole.
      [`${"a".repeat(300)}@example.com`, /^That address is longer than 254 characters/],
      [`$${"%".repeat(200)}`, /could not read "\$%{79}…" as a person/],
      ["x ".repeat(501), /^That is too long for a command \(1002 characters; at most 1000\)/],
    ];
    for (const [t, expected] of cases) {
      const res = await h.slack.command({ userId: "UADA", text: t, channelId: CHANNEL });
      expect(res.status).toBe(200);
      const body = res.json() as { response_type: string; text: string };
      expect(body.response_type).toBe("ephemeral");
      expect(body.text).toMatch(expected);
      // Each answer ends with the usage line, so the fix is on screen.
      expect(body.text).toContain("Usage: `/reset-passcode @user`");
    }
    expect(h.fake.callsTo("views.open")).toHaveLength(0);
    expect(h.fake.responses).toHaveLength(responses);
    expect(await requestCount(h)).toBe(before);
  });

  describe("after a reset", () => {
    let requestId = "";
    let statusTs = "";
    let passcode = "";

    beforeAll(async () => {
      ({ requestId, statusTs } = await resetThroughSlack(h, {
        target: "<@UFELIX|felix>",
        deviceId: "demo-pixel-xl-android7-owner",
        confirmId: "VCMDCONFIRM1",
      }));
      await waitForThreadLine(h, CHANNEL, statusTs, "Completed", 10_000);
      const dm = await waitForPasscodeDm(h, "DUADA");
      passcode = passcodeIn(dm);
      expect(passcode).toMatch(/^\d{6,}$/);
    });

    it("status lists it with its device, owner and state", async () => {
      const answer = await ask(h, "status");
      expect(answer).toContain("Latest requests");
      const line = answer.split("\n").find((l) => l.includes(requestId)) ?? "";
      expect(line).toContain("Felix's Pixel XL");
      expect(line).toContain("felix.field@example.com");
      expect(line).toContain("Completed");
      expect(answer).not.toContain(passcode);
    });

    it("status of an employee lists only what they started (none here)", async () => {
      const answer = await ask(h, "status", "UERIN");
      expect(answer).not.toContain(requestId);
      expect(answer).toContain("No requests yet");
    });

    it("status rq_… shows that request's state and timeline, never the passcode", async () => {
      const answer = await ask(h, `status ${requestId}`);
      const [head, ...lines] = answer.split("\n");
      expect(head).toContain(requestId);
      expect(head).toContain("Felix's Pixel XL");
      expect(head).toContain("Completed");
      // The outcome and the latest timeline lines, one per event, titled as in the thread.
      expect(answer).toContain("Passcode reset and device locked");
      for (const step of [
        "*Received by the device*",
        "*Passcode reset*",
        "*Locked*",
        "*Passcode delivered*",
        "*Completed*",
      ]) {
        expect(lines.some((l) => l.includes(step))).toBe(true);
      }
      expect(answer).not.toContain(passcode);
    });

    it("status of an unknown request id says there is none", async () => {
      const answer = await ask(h, "status rq_doesnotexist");
      expect(answer).toContain('No request "rq_doesnotexist"');
    });

    it("cancel after the end: too late, said plainly; the request is unchanged", async () => {
      const answer = await ask(h, `cancel ${requestId}`);
      expect(answer).toMatch(/already ended \(completed\)/);
      expect((await h.running.core.engine.stores.requests.get(requestId))?.state).toBe("completed");
      expect(threadText(h, statusTs)).not.toContain("Cancelled");
    });

    it("cancel of an unknown request id says there is none", async () => {
      const answer = await ask(h, "cancel rq_doesnotexist");
      expect(answer).toContain('No request "rq_doesnotexist"');
    });

    it("the Details button opens a modal with the timeline, for the clicker, without the passcode", async () => {
      const opens = h.fake.callsTo("views.open").length;
      const res = await click(h, { userId: "UADA", actionId: "request_details", requestId, statusTs });
      expect(res.status).toBe(200);
      const open = await nextCall(h, "views.open", opens);
      expect(open.error).toBeUndefined();
      const view = open.args.view as FakeSlackView;
      expect(view.callback_id).toBe("request_details");
      const shown = text(view);
      expect(shown).toContain(requestId);
      expect(shown).toContain("Felix's Pixel XL");
      expect(shown).toContain("Completed");
      for (const step of [
        "*Requested*",
        "*Sent to the device*",
        "*Received by the device*",
        "*Locked*",
        "*Completed*",
      ]) {
        expect(shown).toContain(step);
      }
      // Who got the passcode, and how; never the passcode itself.
      expect(shown).toContain("Passcode delivery");
      expect(shown).toContain("ada.admin@example.com by email: sent");
      expect(shown).not.toContain(passcode);
    });

    it("Details for someone not allowed to see the request: a modal saying so, not the timeline", async () => {
      const opens = h.fake.callsTo("views.open").length;
      await click(h, { userId: "UERIN", actionId: "request_details", requestId, statusTs });
      const open = await nextCall(h, "views.open", opens);
      const shown = text(open.args.view);
      expect(shown).toContain("Only IT admins");
      expect(shown).not.toContain("*received*");
      expect(shown).not.toContain(passcode);
    });

    it("a Cancel click on a stale copy of the message, after the end: told privately it is too late", async () => {
      const ephemerals = h.fake.ephemerals().length;
      const res = await click(h, { userId: "UADA", actionId: "cancel_request", requestId, statusTs });
      expect(res.status).toBe(200);
      await expect.poll(() => h.fake.ephemerals().length).toBeGreaterThan(ephemerals);
      const told = h.fake.ephemerals().at(-1);
      expect(told?.user).toBe("UADA");
      expect(told?.channel).toBe(CHANNEL);
      expect(told?.text).toMatch(/already ended \(completed\)/);
      expect((await h.running.core.engine.stores.requests.get(requestId))?.state).toBe("completed");
    });
  });

  it("/reset-passcode felix (a name with one match) opens the form for Felix", async () => {
    const { form: view } = await openResetForm(h, { text: "felix", channel: CHANNEL });
    expect(view.callback_id).toBe("reset_form");
    expect(text(view)).toContain("Felix Field");
    expect(text(view)).toContain("felix.field@example.com");
  });

  it("a name that matches several people lists them and asks for an email or a mention", async () => {
    // "in" is in Ada Admin, Erin Engineer and Mia Marketing.
    const { form: view } = await openResetForm(h, { text: "in", channel: CHANNEL });
    expect(view.callback_id).not.toBe("reset_form");
    const shown = text(view);
    expect(shown).toContain("Several people match");
    for (const who of ["Ada Admin", "Erin Engineer", "Mia Marketing"]) expect(shown).toContain(who);
    expect(shown).toContain("mia.marketing@example.com");
    expect(shown).toMatch(/email or a mention/);
  });

  it("a name that matches no one says so and suggests a mention or an email", async () => {
    const { form: view } = await openResetForm(h, { text: "zelda", channel: CHANNEL });
    const shown = text(view);
    expect(shown).toContain("No one in the inventory matches *zelda*");
    expect(shown).toMatch(/Mention them .* or give their email/);
  });

  it("a non-admin (Erin) asking for Felix: polite refusal in the modal, audited as refused, nothing started", async () => {
    const before = await requestCount(h);
    const { form: view } = await openResetForm(h, {
      text: "<@UFELIX|felix>",
      userId: "UERIN",
      channel: CHANNEL,
    });
    expect(view.callback_id).not.toBe("reset_form");
    const shown = text(view);
    expect(shown).toContain("Only IT admins can act on someone else's device");
    expect(shown).not.toContain("device_block");
    expect(shown).not.toContain("demo-pixel-xl-android7-owner");
    const audit = await h.running.core.engine.stores.audit.list({});
    const refused = audit.filter(
      (a) => a.actor === "erin.engineer@example.com" && a.action === "authorize.reset",
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((a) => a.outcome === "refused")).toBe(true);
    expect(refused.at(-1)?.surface).toBe("slack");
    expect(await requestCount(h)).toBe(before);
  });

  it("an employee cannot search the inventory by name: refused before any lookup, and audited", async () => {
    const auditBefore = (await h.running.core.engine.stores.audit.list({})).length;
    const { form: view } = await openResetForm(h, { text: "mi", userId: "UERIN", channel: CHANNEL });
    const shown = text(view);
    expect(shown).toContain("Only IT admins");
    // No one's name or email leaks out of the refusal (Mia, Ada and Omar all match "mi").
    for (const leak of ["Mia", "mia.marketing", "Ada Admin", "omar.ops"]) expect(shown).not.toContain(leak);
    const audit = (await h.running.core.engine.stores.audit.list({})).slice(auditBefore);
    const refusal = audit.find(
      (a) => a.actor === "erin.engineer@example.com" && a.action === "authorize.reset",
    );
    expect(refusal?.outcome).toBe("refused");
  });

  it("an employee asking for their own device is pointed to the lost-device report", async () => {
    const { form: view } = await openResetForm(h, {
      text: "<@UERIN|erin>",
      userId: "UERIN",
      channel: CHANNEL,
    });
    expect(text(view)).toMatch(/Only IT admins can reset a passcode.*report it lost/);
  });

  it("a Slack user not in the inventory (USTRANGER) is told they are not known to Latchkey", async () => {
    const before = await requestCount(h);
    const { form: view } = await openResetForm(h, {
      text: "<@UFELIX|felix>",
      userId: "USTRANGER",
      channel: CHANNEL,
    });
    const shown = text(view);
    expect(view.callback_id).not.toBe("reset_form");
    expect(shown).toContain("not known to Latchkey");
    expect(shown).toContain("inventory");
    expect(await requestCount(h)).toBe(before);
  });

  it("a Slack user Slack itself does not know is told so", async () => {
    const { form: view } = await openResetForm(h, {
      text: "<@UFELIX|felix>",
      userId: "UNOBODY",
      channel: CHANNEL,
    });
    expect(text(view)).toContain("could not be found");
  });

  it("a guest without an email: the answer says Slack shares no email, whether they ask or are asked for", async () => {
    const asking = await openResetForm(h, { text: "<@UFELIX|felix>", userId: "UGUEST", channel: CHANNEL });
    expect(text(asking.form)).toMatch(/does not share an email address for Guest Without Email/);
    expect(text(asking.form)).toContain("users:read.email");
    const asked = await openResetForm(h, { text: "<@UGUEST|guest>", channel: CHANNEL });
    expect(text(asked.form)).toMatch(/does not share an email address for Guest Without Email/);
    expect(asked.form.callback_id).not.toBe("reset_form");
  });

  it("a bot mentioned as the person: refused, it is not a person", async () => {
    const before = await requestCount(h);
    const { form: view } = await openResetForm(h, { text: "<@UBOT|somebot>", channel: CHANNEL });
    expect(view.callback_id).not.toBe("reset_form");
    expect(text(view)).toContain("Some Bot is a bot, not a person");
    expect(await requestCount(h)).toBe(before);
  });

  it("a person with no devices: the modal says so", async () => {
    await h.running.core.engine.stores.directory.upsertInventory(
      [{ email: "nora.nodevice@example.com", name: "Nora Nodevice" }],
      [],
    );
    const { form: view } = await openResetForm(h, { text: "nora.nodevice@example.com", channel: CHANNEL });
    expect(view.callback_id).not.toBe("reset_form");
    expect(text(view)).toContain("Nora Nodevice has no devices in the inventory");
  });

  it("an email not in the inventory: the modal says so", async () => {
    const { form: view } = await openResetForm(h, {
      text: "<mailto:ghost@example.com|ghost@example.com>",
      channel: CHANNEL,
    });
    expect(text(view)).toContain("ghost@example.com is not in Latchkey's inventory");
  });
});

describe("Slack /reset-passcode: cancelling a request the device has not picked up", () => {
  const h = useSlackHarness();
  beforeAll(async () => {
    // The simulated phones stop answering: pushes are accepted, nothing picks the command up,
    // so requests stay "Sent to device" (a slow simulator is no substitute: fetching the command
    // is what moves a request to "received").
    await h.running.simulator?.stop();
  });

  async function pushed(target: string, deviceId: string, confirmId: string) {
    const started = await resetThroughSlack(h, { target, deviceId, confirmId });
    await expect
      .poll(async () => (await h.running.core.engine.stores.requests.get(started.requestId))?.state)
      .toBe("pushed");
    // The status message offers Cancel while the device has not picked the command up.
    await expect
      .poll(() => text(statusOf(h, started.statusTs).blocks), { timeout: 5000 })
      .toContain("Sent to device");
    expect(text(statusOf(h, started.statusTs).blocks)).toContain("cancel_request");
    return started;
  }

  it("/reset-passcode cancel rq_… cancels it: the thread says Cancelled, the status loses its Cancel button", async () => {
    const { requestId, statusTs } = await pushed(
      "<@UFELIX|felix>",
      "demo-pixel-xl-android7-owner",
      "VCANCEL1",
    );
    const answer = await ask(h, `cancel ${requestId} found it in the car`);
    expect(answer).toContain(`Request \`${requestId}\` is cancelled`);
    expect((await h.running.core.engine.stores.requests.get(requestId))?.state).toBe("cancelled");

    const line = await waitForThreadLine(h, CHANNEL, statusTs, "Cancelled");
    expect(line.text).toContain("ada.admin@example.com");
    expect(line.text).toContain("found it in the car");
    await expect.poll(() => statusOf(h, statusTs).text).toContain("Cancelled");
    const blocks = text(statusOf(h, statusTs).blocks);
    expect(blocks).not.toContain("cancel_request");
    expect(blocks).toContain("request_details");

    // Audited, with who did it.
    const audit = await h.running.core.engine.stores.audit.list({});
    expect(
      audit.some((a) => a.action === "request.cancel" && a.requestId === requestId && a.outcome === "ok"),
    ).toBe(true);

    // Again: too late, and nothing changes.
    const again = await ask(h, `cancel ${requestId}`);
    expect(again).toMatch(/already ended \(cancelled\)/);
    expect(
      h.fake.messages(CHANNEL).filter((m) => m.thread_ts === statusTs && m.text.includes("Cancelled")),
    ).toHaveLength(1);
  });

  it("a non-admin cannot cancel someone else's request, by command or button; it keeps running", async () => {
    const { requestId, statusTs } = await pushed(
      "leo.legal@example.com",
      "demo-lumia-950-win10-mobile",
      "VCANCEL2",
    );
    const answer = await ask(h, `cancel ${requestId}`, "UERIN");
    expect(answer).toContain("Only IT admins can act on someone else's device");

    const ephemerals = h.fake.ephemerals().length;
    await click(h, { userId: "UERIN", actionId: "cancel_request", requestId, statusTs });
    await expect.poll(() => h.fake.ephemerals().length).toBeGreaterThan(ephemerals);
    const told = h.fake.ephemerals().at(-1);
    expect(told?.user).toBe("UERIN");
    expect(told?.text).toContain("Only IT admins can act on someone else's device");

    expect((await h.running.core.engine.stores.requests.get(requestId))?.state).toBe("pushed");
    expect(threadText(h, statusTs)).not.toContain("Cancelled");
    expect(text(statusOf(h, statusTs).blocks)).toContain("cancel_request");
    const audit = await h.running.core.engine.stores.audit.list({});
    expect(
      audit.filter(
        (a) =>
          a.actor === "erin.engineer@example.com" &&
          a.action === "authorize.cancel" &&
          a.requestId === requestId &&
          a.outcome === "refused",
      ),
    ).toHaveLength(2);
  });

  it("the Cancel button on the status message cancels it; the message updates for everyone", async () => {
    const { requestId, statusTs } = await pushed("omar.ops@example.com", "demo-lumia-930-wp81", "VCANCEL3");
    const ephemerals = h.fake.ephemerals().length;
    const res = await click(h, { userId: "UADA", actionId: "cancel_request", requestId, statusTs });
    expect(res.status).toBe(200);
    await waitForThreadLine(h, CHANNEL, statusTs, "Cancelled");
    await expect.poll(() => statusOf(h, statusTs).text).toContain("Cancelled");
    expect(text(statusOf(h, statusTs).blocks)).not.toContain("cancel_request");
    expect((await h.running.core.engine.stores.requests.get(requestId))?.state).toBe("cancelled");
    // Success is shown by the thread; no extra private message.
    expect(h.fake.ephemerals().length).toBe(ephemerals);
  });
});
