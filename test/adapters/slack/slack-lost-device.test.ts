// An employee reports one of their own devices lost, as they would in Slack: the global shortcut
// (pick a device, confirm) or the Home tab's "Report lost" button (straight to the confirmation).
// The device is locked at once, the security channel gets an alert whose thread follows it live,
// the employee follows it in their DM, and a new passcode (when the rules allow one) goes to the
// employee's email and never to the security channel.
import { describe, expect, it } from "vitest";
import type { FakeSlackMessage, FakeSlackView } from "../../fakes/fake-slack-api.ts";
import {
  chooseDevice,
  nextCall,
  SECURITY_CHANNEL,
  type SlackHarness,
  shownModal,
  submitConfirmation,
  useSlackHarness,
  waitForThreadLine,
} from "../../support/slack-harness.ts";

const SHORTCUT = "report_lost_device";
const PIXEL = "demo-pixel-xl-android7-owner";
const PIXEL_NAME = "Felix's Pixel XL";
const GALAXY = "demo-galaxy-s7-android6-admin";
const GALAXY_NAME = "Felix's Galaxy S7";
const LUMIA = "demo-lumia-920-wp80";
const IPHONE = "demo-iphone-15-ios17";
const IPHONE_NAME = "Sam's iPhone 15";
const ERIN_WORK_PHONE = "demo-galaxy-s22-work-profile";

const json = (x: unknown) => JSON.stringify(x);

/** The block listing the radio options of the lost-device form. */
function deviceBlock(view: { blocks: unknown[] }): { element: { options: { value: string }[] } } | undefined {
  return (view.blocks as { block_id?: string }[]).find((b) => b.block_id === "device_block") as never;
}

type HomeBlock = { type: string; text?: { text: string }; accessory?: { value?: string } };

/** The Home tab section showing one device, found by its name. */
function homeSection(view: { blocks: unknown[] } | undefined, deviceName: string): HomeBlock | undefined {
  return ((view?.blocks ?? []) as HomeBlock[]).find(
    (b) => b.type === "section" && b.text?.text.includes(deviceName),
  );
}

/** The status message (thread root) of one conversation whose text starts with `title`. */
function statusIn(h: SlackHarness, channel: string, title: string): FakeSlackMessage | undefined {
  return h.fake.messages(channel).find((m) => !m.thread_ts && m.text.startsWith(title));
}

/** A thread root with the request's status (not the separate message carrying a passcode). */
function isStatus(m: FakeSlackMessage): boolean {
  return !m.thread_ts && json(m.blocks).includes("*Status*");
}

function threadText(h: SlackHarness, channel: string, root: FakeSlackMessage): string {
  return h.fake
    .messages(channel)
    .filter((m) => m.thread_ts === root.ts)
    .map((m) => m.text)
    .join("\n");
}

async function requestsFor(h: SlackHarness, deviceId: string) {
  return h.running.core.engine.stores.requests.list({ limit: 10, deviceId });
}

async function phone(h: SlackHarness, deviceId: string): Promise<{ locked: boolean }> {
  const res = await fetch(`${h.running.url}/simulator/devices/${deviceId}`);
  return res.status === 200 ? ((await res.json()) as { locked: boolean }) : { locked: false };
}

/** Runs the shortcut and returns the form it opened. */
async function openLostForm(h: SlackHarness, userId: string): Promise<FakeSlackView> {
  const since = h.fake.calls.length;
  const res = await h.slack.shortcut({ userId, callbackId: SHORTCUT });
  expect(res.status).toBe(200);
  const { viewId } = await shownModal(h, since);
  const view = h.fake.views.get(viewId);
  if (!view) throw new Error("the form is not in the fake");
  return view;
}

/**
 * Clicks "Report lost" for `deviceId` as `userId` (on the Home tab `homeViewId`, when given) and
 * returns the modal it opens: the confirmation, or a refusal.
 */
async function clickReportLost(
  h: SlackHarness,
  userId: string,
  deviceId: string,
  homeViewId?: string,
): Promise<FakeSlackView> {
  const opens = h.fake.callsTo("views.open").length;
  const res = await h.slack.blockAction({
    userId,
    actionId: "report_lost",
    value: deviceId,
    ...(homeViewId === undefined ? {} : { view: { id: homeViewId, type: "home" } }),
  });
  expect(res.status).toBe(200);
  const opened = await nextCall(h, "views.open", opens);
  expect(opened.error).toBeUndefined();
  return opened.args.view as FakeSlackView;
}

/** Waits for the next home tab publication for `userId` after `since` publications. */
async function nextHome(h: SlackHarness, userId: string, since: number) {
  const call = await nextCall(h, "views.publish", since, (c) => c.args.user_id === userId);
  expect(call.error).toBeUndefined();
  return call.args.view as { type: string; blocks: unknown[] };
}

describe("Slack: an employee reports a lost device", () => {
  const h = useSlackHarness();

  it("shortcut: pick one of your devices, confirm, it is locked; security and the employee follow it; the passcode reaches the employee privately, never the channel", async () => {
    const form = await openLostForm(h, "UFELIX");
    expect(form.callback_id).toBe("lost_form");
    // Only Felix's own devices, each with what will happen; the one that cannot be locked says why.
    const options = deviceBlock(form)?.element.options ?? [];
    expect(options.map((o) => o.value).sort()).toEqual([GALAXY, PIXEL]);
    expect(options.map((o) => o.value)).not.toContain(LUMIA);
    expect(json(deviceBlock(form))).toContain("Will be locked with a new passcode");
    const formText = json(form.blocks);
    expect(formText).toContain("Felix's Lumia 920");
    expect(formText).toMatch(/Windows Phone 8\.1 or later is needed/);
    for (const other of ["Sam's", "Erin's", "Omar's", IPHONE, ERIN_WORK_PHONE]) {
      expect(formText).not.toContain(other);
    }

    const confirm = await chooseDevice(h, { userId: "UFELIX", viewId: form.id, deviceId: PIXEL });
    expect(confirm.callback_id).toBe("lost_confirm");
    const confirmText = json(confirm.blocks);
    expect(confirmText).toContain(PIXEL_NAME);
    expect(confirmText).toMatch(/locked/);
    expect(confirmText).toContain("new passcode");
    expect(confirmText).toContain("felix.field@example.com");
    expect(confirmText).toContain(`<#${SECURITY_CHANNEL}>`);
    // Nothing happens before the employee confirms.
    expect(await requestsFor(h, PIXEL)).toEqual([]);

    await submitConfirmation(h, confirm, "VLOSTPIXEL1", "UFELIX");

    // The security channel: a status message whose thread follows the device to Completed.
    const alert = await h.fake.waitForMessage(
      SECURITY_CHANNEL,
      (m) => !m.thread_ts && m.text.startsWith(`Lost device reported: ${PIXEL_NAME}`),
    );
    expect(json(alert.blocks)).toContain(`"text":"Lost device reported: ${PIXEL_NAME}`);
    expect(json(alert.blocks)).toContain("<@UFELIX>");
    await waitForThreadLine(h, SECURITY_CHANNEL, alert.ts, "Completed", 10_000);
    const securityThread = threadText(h, SECURITY_CHANNEL, alert);
    for (const step of [
      "Sent to the device",
      "Received by the device",
      "Passcode reset",
      "Locked",
      "Completed",
    ]) {
      expect(securityThread).toContain(step);
    }
    await expect
      .poll(() => statusIn(h, SECURITY_CHANNEL, `Lost device reported: ${PIXEL_NAME}`)?.text)
      .toContain("Completed");

    // The employee's own DM follows it too.
    const own = await h.fake.waitForMessage("DUFELIX", (m) => isStatus(m) && m.text.includes(PIXEL_NAME));
    await waitForThreadLine(h, "DUFELIX", own.ts, "Completed", 10_000);
    await expect
      .poll(() => h.fake.messages("DUFELIX").find((m) => m.ts === own.ts)?.text)
      .toContain("Completed");

    // The phone is locked, and the request is a reset-and-lock asked by Felix himself.
    expect((await phone(h, PIXEL)).locked).toBe(true);
    const [request] = await requestsFor(h, PIXEL);
    expect(request).toMatchObject({
      kind: "reset_and_lock",
      state: "completed",
      requestedBy: "felix.field@example.com",
    });

    // The new passcode is in Felix's mailbox, it unlocks the phone, and it never reaches the channel.
    await expect
      .poll(async () => (await h.outbox()).filter((m) => m.to.includes("felix.field@example.com")).length)
      .toBeGreaterThan(0);
    const mail = (await h.outbox()).find((m) => m.to.includes("felix.field@example.com"));
    const passcode = /New passcode:\s+(\S+)/.exec(mail?.text ?? "")?.[1] ?? "";
    expect(passcode).toMatch(/^\d{6,}$/);
    const unlock = await fetch(`${h.running.url}/simulator/devices/${PIXEL}/unlock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ passcode }),
    });
    expect(unlock.status).toBe(200);
    const inSecurity = h.fake.messages(SECURITY_CHANNEL);
    expect(inSecurity.length).toBeGreaterThan(1);
    expect(json(inSecurity)).not.toContain(passcode);
    expect(json(h.fake.ephemerals())).not.toContain(passcode);
    expect(json([...h.fake.views.values()])).not.toContain(passcode);
  });

  it("the employee's passcode email (and DM) speaks to them as the device's user, not as an admin", async () => {
    const mailsBefore = (await h.outbox()).length;
    const dmsBefore = h.fake.messages("DUFELIX").length;
    const confirm = await clickReportLost(h, "UFELIX", PIXEL);
    expect(confirm.callback_id).toBe("lost_confirm");
    await submitConfirmation(h, confirm, "VLOSTPIXEL2", "UFELIX");
    await expect
      .poll(async () => (await h.outbox()).length, { timeout: 10_000 })
      .toBeGreaterThan(mailsBefore);
    const mail = (await h.outbox()).slice(mailsBefore).find((m) => m.to.includes("felix.field@example.com"));
    expect(mail).toBeDefined();
    // Felix reported his own phone: he is the device's user, there is nobody to pass it on to.
    expect(mail?.text).not.toMatch(/give this passcode to the device user/i);
    const passcodeDms = h.fake
      .messages("DUFELIX")
      .slice(dmsBefore)
      .filter((m) => json(m.blocks).includes("New passcode"));
    for (const dm of passcodeDms)
      expect(json(dm.blocks)).not.toMatch(/share it only with the device's user/i);
  });

  it("an iPhone is locked only: the form and the thread say so, no passcode is made or emailed", async () => {
    const mailsBefore = (await h.outbox()).length;
    const form = await openLostForm(h, "USAM");
    expect(deviceBlock(form)?.element.options.map((o) => o.value)).toEqual([IPHONE]);
    expect(json(deviceBlock(form))).toContain("Will be locked (its passcode cannot be reset remotely)");
    // The Windows laptop cannot even be locked: shown with its reason, not offered.
    expect(json(form.blocks)).toContain("Remote lock is not supported on Windows desktops");

    const confirm = await chooseDevice(h, { userId: "USAM", viewId: form.id, deviceId: IPHONE });
    const confirmText = json(confirm.blocks);
    expect(confirmText).toContain(IPHONE_NAME);
    expect(confirmText).toContain("It will be locked");
    expect(confirmText).toContain("cannot be reset remotely");
    expect(confirmText).not.toContain("sam.security@example.com");
    await submitConfirmation(h, confirm, "VLOSTIPHONE1", "USAM");

    const alert = await h.fake.waitForMessage(
      SECURITY_CHANNEL,
      (m) => !m.thread_ts && m.text.startsWith(`Lost device reported: ${IPHONE_NAME}`),
    );
    await waitForThreadLine(h, SECURITY_CHANNEL, alert.ts, "Completed", 10_000);
    const thread = threadText(h, SECURITY_CHANNEL, alert);
    expect(thread).toContain("Locked");
    expect(thread).toMatch(/\*Completed\* · The device is locked\./);
    expect(thread).not.toContain("Passcode generated");
    expect(thread).not.toContain("Passcode delivered");
    await expect
      .poll(() => json(h.fake.messages(SECURITY_CHANNEL).find((m) => m.ts === alert.ts)?.blocks))
      .toContain("The device is locked.");

    const [request] = await requestsFor(h, IPHONE);
    expect(request).toMatchObject({ kind: "lock", state: "completed" });
    expect((await phone(h, IPHONE)).locked).toBe(true);
    const events = await h.running.core.engine.stores.requests.events(request?.id ?? "");
    expect(events.map((e) => e.type)).not.toContain("passcode_generated");
    expect(await h.running.core.engine.stores.deliveries.forRequest(request?.id ?? "")).toEqual([]);
    expect((await h.outbox()).length).toBe(mailsBefore);
    expect(json(h.fake.messages("DUSAM"))).not.toContain("New passcode");
  });

  it("a work-profile phone: the form and the confirmation say only the work profile gets the new passcode", async () => {
    const form = await openLostForm(h, "UERIN");
    const option = deviceBlock(form)?.element.options.find((o) => o.value === ERIN_WORK_PHONE) as
      | { description?: { text: string } }
      | undefined;
    expect(option).toBeDefined();
    const confirm = await chooseDevice(h, { userId: "UERIN", viewId: form.id, deviceId: ERIN_WORK_PHONE });
    // domain.md: a Profile Owner reset changes the work-profile passcode, not the screen lock;
    // the person who clicks must be told before they click. (The demo device's name itself says
    // "work profile", so the explanation is looked for outside the name.)
    const confirmWords = json(confirm.blocks)
      .split(
        "Erin's Galaxy S22 (Android 12, work profile, token active: resets the work-profile passcode only)",
      )
      .join("");
    expect(confirmWords).toMatch(/work[- ]profile/i);
    expect(confirmWords).toMatch(/screen lock/i);
    expect(option?.description?.text).toMatch(/work[- ]profile/i);
  });

  it("Home tab: lists my devices with Report lost; the button opens the confirmation; the home shows the request afterwards", async () => {
    const publishes = h.fake.callsTo("views.publish").length;
    const res = await h.slack.event({
      type: "app_home_opened",
      user: "UFELIX",
      tab: "home",
      channel: "DUFELIX",
    });
    expect(res.status).toBe(200);
    const home = await nextHome(h, "UFELIX", publishes);
    expect(home.type).toBe("home");
    const text = json(home.blocks);
    expect(text).toContain("My devices");
    for (const id of [GALAXY, PIXEL]) {
      expect(text).toContain(`"action_id":"report_lost"`);
      expect(text).toContain(`"value":"${id}"`);
    }
    expect(text).toContain("Felix's Lumia 920");
    expect(homeSection(h.fake.homeView("UFELIX"), "Felix's Lumia 920")?.accessory).toBeUndefined();
    expect(text).not.toContain("Sam's");
    // Felix is not an admin: no list of everyone's requests.
    expect(text).not.toContain("Latest requests");

    const confirm = await clickReportLost(h, "UFELIX", GALAXY, h.fake.homeView("UFELIX")?.id ?? "");
    expect(confirm.callback_id).toBe("lost_confirm");
    expect(json(confirm.blocks)).toContain(GALAXY_NAME);
    expect(json(confirm.blocks)).toContain("felix.field@example.com");

    const before = h.fake.callsTo("views.publish").length;
    await submitConfirmation(h, confirm, "VLOSTGALAXY1", "UFELIX");
    const after = await nextHome(h, "UFELIX", before);
    const [request] = await requestsFor(h, GALAXY);
    expect(request).toBeDefined();
    const section = homeSection(after, GALAXY_NAME);
    // The reported device shows its request and has no button to report it again.
    expect(section?.text?.text).toContain(request?.id ?? "missing");
    expect(section?.text?.text).not.toContain("Managed");
    expect(section?.accessory).toBeUndefined();

    await h.fake.waitForMessage(
      SECURITY_CHANNEL,
      (m) => !m.thread_ts && m.text.startsWith(`Lost device reported: ${GALAXY_NAME}`),
    );
    await expect
      .poll(async () => (await requestsFor(h, GALAXY))[0]?.state, { timeout: 10_000 })
      .toBe("completed");
    expect((await phone(h, GALAXY)).locked).toBe(true);
    // The Home tab follows the request without being reopened: once it ends, the device is free again.
    await expect
      .poll(() => homeSection(h.fake.homeView("UFELIX"), GALAXY_NAME)?.text?.text ?? "", { timeout: 5_000 })
      .not.toContain(request?.id ?? "missing");
  });

  it("cannot report someone else's device: a refusal, nothing started", async () => {
    const refusal = await clickReportLost(h, "UFELIX", ERIN_WORK_PHONE, h.fake.homeView("UFELIX")?.id ?? "");
    expect(refusal.callback_id).not.toBe("lost_confirm");
    expect(refusal.submit).toBeUndefined();
    expect(json(refusal.blocks)).toContain("You can only report your own devices");

    // Even a forged confirmation naming Erin's phone starts nothing; Felix is told why.
    const forged = {
      type: "modal",
      callback_id: "lost_confirm",
      private_metadata: JSON.stringify({ d: ERIN_WORK_PHONE, a: "reset_and_lock" }),
      blocks: [],
    };
    await submitConfirmation(h, forged, "VFORGED1", "UFELIX");
    await h.fake.waitForMessage("DUFELIX", (m) => m.text.includes("someone else's device"));
    expect(await requestsFor(h, ERIN_WORK_PHONE)).toEqual([]);
    expect(h.fake.messages(SECURITY_CHANNEL).some((m) => m.text.includes("Erin's"))).toBe(false);
  });

  it("a person Slack knows but the inventory does not: the Home tab says they are not in the inventory", async () => {
    const publishes = h.fake.callsTo("views.publish").length;
    await h.slack.event({ type: "app_home_opened", user: "USTRANGER", tab: "home", channel: "DUSTRANGER" });
    const home = await nextHome(h, "USTRANGER", publishes);
    const text = json(home.blocks);
    expect(text).not.toContain(`"action_id":"report_lost"`);
    expect(text).toMatch(/not (known to Latchkey|in (Latchkey's|the) inventory)/i);
  });
});

describe("Slack: reporting a device that already has a request in progress", () => {
  // A phone that takes a second per step, so the first request is still running.
  const h = useSlackHarness({ SIMULATOR_DELAY: "1s" });

  it("the second report is refused with a clear message; the device is locked once", async () => {
    const publishes = h.fake.callsTo("views.publish").length;
    await h.slack.event({ type: "app_home_opened", user: "UFELIX", tab: "home", channel: "DUFELIX" });
    const home = await nextHome(h, "UFELIX", publishes);
    const homeId = h.fake.homeView("UFELIX")?.id ?? "";
    expect(json(home.blocks)).toContain(`"value":"${GALAXY}"`);

    // Two confirmations opened from the same button (two tabs, a double click), both submitted.
    const confirms: FakeSlackView[] = [];
    for (let i = 0; i < 2; i++) confirms.push(await clickReportLost(h, "UFELIX", GALAXY, homeId));
    expect(confirms.map((c) => c.callback_id)).toEqual(["lost_confirm", "lost_confirm"]);
    const before = h.fake.callsTo("views.publish").length;
    await submitConfirmation(h, confirms[0] as FakeSlackView, "VFIRST1", "UFELIX");
    const after = await nextHome(h, "UFELIX", before);
    const [first] = await requestsFor(h, GALAXY);
    // The home tab shows the request's state in words.
    expect(json(after.blocks)).toContain(`Sent to device (request \`${first?.id}\`)`);

    await submitConfirmation(h, confirms[1] as FakeSlackView, "VSECOND1", "UFELIX");
    const told = await h.fake.waitForMessage("DUFELIX", (m) => m.text.includes("already in progress"));
    expect(told.text).toContain(first?.id ?? "missing");
    expect(await requestsFor(h, GALAXY)).toHaveLength(1);

    // The button, pressed again meanwhile, says why instead of opening a confirmation.
    const busy = await clickReportLost(h, "UFELIX", GALAXY, homeId);
    expect(busy.callback_id).not.toBe("lost_confirm");
    expect(json(busy.blocks)).toMatch(/already|in progress|pending/i);

    // The shortcut's form does not offer it either.
    const form = await openLostForm(h, "UFELIX");
    expect(deviceBlock(form)?.element.options.map((o) => o.value)).not.toContain(GALAXY);

    // Only one alert in the security channel for it, and the one request runs to its end.
    expect(
      h.fake.messages(SECURITY_CHANNEL).filter((m) => !m.thread_ts && m.text.includes(GALAXY_NAME)),
    ).toHaveLength(1);
    await expect
      .poll(async () => (await requestsFor(h, GALAXY)).map((r) => r.state), { timeout: 10_000 })
      .toEqual(["completed"]);
    expect((await phone(h, GALAXY)).locked).toBe(true);
  });
});

describe("Slack: lost-device report without a security channel", () => {
  const h = useSlackHarness({ SLACK_SECURITY_CHANNEL: "" });

  it("still locks the device; only the employee's DM follows it", async () => {
    const form = await openLostForm(h, "UFELIX");
    const confirm = await chooseDevice(h, { userId: "UFELIX", viewId: form.id, deviceId: PIXEL });
    const confirmText = json(confirm.blocks);
    expect(confirmText).not.toContain("<#");
    expect(confirmText).toContain("DM with Latchkey");
    await submitConfirmation(h, confirm, "VNOSEC1", "UFELIX");

    const own = await h.fake.waitForMessage("DUFELIX", (m) => isStatus(m) && m.text.includes(PIXEL_NAME));
    await waitForThreadLine(h, "DUFELIX", own.ts, "Completed", 10_000);
    expect((await phone(h, PIXEL)).locked).toBe(true);
    const [request] = await requestsFor(h, PIXEL);
    const threads = await h.running.core.engine.stores.threads.forRequest(request?.id ?? "");
    expect(threads.map((t) => [t.purpose, t.conversation])).toEqual([["owner", "DUFELIX"]]);
    // Nothing was posted anywhere but DMs.
    expect(h.fake.allMessages().filter((m) => !m.channel.startsWith("D"))).toEqual([]);
  });
});
