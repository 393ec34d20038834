// The acceptance, as a new user would do it: Latchkey on its embedded defaults with
// Slack pointed at a Slack-compatible API; an admin runs `/reset-passcode @felix`, picks a device
// in the modal, confirms, and the thread follows the reset to "locked". The DM and the email carry
// the same passcode, which unlocks the simulated phone; no message outside a DM carries it.
import { describe, expect, it } from "vitest";
import {
  chooseDevice,
  openResetForm,
  passcodeIn,
  submitConfirmation,
  useSlackHarness,
  waitForPasscodeDm,
  waitForThreadLine,
} from "../../support/slack-harness.ts";

const CHANNEL = "C0ITOPS";

function viewText(view: unknown): string {
  return JSON.stringify(view);
}

describe("Slack: /reset-passcode end to end", () => {
  const h = useSlackHarness();

  it("resets and locks a device chosen in the modal; the thread follows it; DM and email carry the passcode", async () => {
    const { form, viewId } = await openResetForm(h, { text: "<@UFELIX|felix>", channel: CHANNEL });
    expect(form.callback_id).toBe("reset_form");
    const text = viewText(form);
    expect(text).toContain("Felix Field");
    // Refused devices are listed with their reason and are not options.
    expect(text).toContain("Cannot be reset");
    const options = JSON.stringify(
      (form.blocks as { block_id?: string }[]).find((b) => b.block_id === "device_block"),
    );
    expect(options).toContain("demo-pixel-xl-android7-owner");
    expect(options).not.toContain("demo-lumia-920-wp80");

    // Next: the confirmation is pushed, naming the person and the device.
    const confirmation = await chooseDevice(h, {
      viewId,
      deviceId: "demo-pixel-xl-android7-owner",
      notifyUser: false,
    });
    expect(confirmation.callback_id).toBe("reset_confirm");
    expect(viewText(confirmation)).toContain("Felix Field");
    expect(viewText(confirmation)).toContain("demo-pixel-xl-android7-owner");
    // The confirmation step is the core's (as in Teams): it writes its audited decision on the device.
    const audit = await h.running.core.engine.stores.audit.list({ limit: 200 });
    expect(
      audit.some(
        (a) =>
          a.action === "authorize.reset" &&
          a.outcome === "allowed" &&
          a.deviceId === "demo-pixel-xl-android7-owner" &&
          a.surface === "slack",
      ),
    ).toBe(true);

    await submitConfirmation(h, confirmation, "VCONFIRM1");

    const status = await h.fake.waitForMessage(
      CHANNEL,
      (m) => !m.thread_ts && m.text.includes("Passcode reset"),
    );
    await waitForThreadLine(h, CHANNEL, status.ts, "Completed", 10_000);
    const thread = h.fake.messages(CHANNEL).filter((m) => m.thread_ts === status.ts);
    const replies = thread.map((m) => m.text).join("\n");
    for (const step of [
      "Checked",
      "Sent to the device",
      "Received by the device",
      "Passcode reset",
      "Locked",
      "Completed",
    ]) {
      expect(replies).toContain(step);
    }
    await expect
      .poll(() => h.fake.messages(CHANNEL).find((m) => m.ts === status.ts)?.text)
      .toContain("Completed");
    const finalStatus = JSON.stringify(h.fake.messages(CHANNEL).find((m) => m.ts === status.ts)?.blocks);
    expect(finalStatus).not.toContain("cancel_request");

    // The passcode: by DM to the admin and by email, the same.
    const dm = await waitForPasscodeDm(h, "DUADA");
    const passcode = passcodeIn(dm);
    expect(passcode).toMatch(/^\d{6,}$/);
    expect(dm.text).not.toContain(passcode);
    await expect.poll(async () => (await h.outbox()).length).toBeGreaterThan(0);
    const mail = (await h.outbox()).find((m) => m.to.includes("ada.admin@example.com"));
    expect(mail?.text).toContain(passcode);

    // It unlocks the simulated phone.
    const unlock = await fetch(`${h.running.url}/simulator/devices/demo-pixel-xl-android7-owner/unlock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ passcode }),
    });
    expect(unlock.status).toBe(200);

    // Nowhere but the DM: no channel message, thread reply, edit, ephemeral, response or view.
    const outsideDms = h.fake
      .allMessages()
      .filter((m) => !m.channel.startsWith("D"))
      .map((m) => JSON.stringify(m));
    expect(outsideDms.length).toBeGreaterThan(3);
    for (const m of outsideDms) expect(m).not.toContain(passcode);
    expect(JSON.stringify(h.fake.ephemerals())).not.toContain(passcode);
    expect(JSON.stringify(h.fake.responses)).not.toContain(passcode);
    expect(JSON.stringify([...h.fake.views.values()])).not.toContain(passcode);
    expect(h.logs.join("")).not.toContain(passcode);
  });

  it("a device that changed hands between the confirmation and its submission is not reset; the admin is told", async () => {
    const deviceId = "demo-pixel-xl-android7-owner";
    const { viewId } = await openResetForm(h, { text: "<@UFELIX|felix>", channel: CHANNEL });
    const confirmation = await chooseDevice(h, { viewId, deviceId, notifyUser: false });
    expect(viewText(confirmation)).toContain("Felix Field");
    // The inventory now says the phone is Omar's (an MDM sync, a reassignment).
    const { directory } = h.running.core.engine.stores;
    const device = await directory.device(deviceId);
    if (!device) throw new Error("demo device missing");
    await directory.upsertInventory([], [{ ...device, ownerEmail: "omar.ops@example.com" }]);
    const before = await h.running.core.engine.stores.requests.list({ limit: 50, deviceId });
    await submitConfirmation(h, confirmation, "VCONFIRMOWNER");
    await expect
      .poll(() => JSON.stringify(h.fake.ephemerals()))
      .toContain("The device's owner changed since the confirmation");
    const after = await h.running.core.engine.stores.requests.list({ limit: 50, deviceId });
    expect(after).toEqual(before);
  });

  it("a device the rules refuse: the modal says why, it cannot be chosen, nothing is pushed", async () => {
    const { form } = await openResetForm(h, { text: "omar.ops@example.com", channel: CHANNEL });
    expect(form.callback_id).toBe("reset_form");
    const refused = JSON.stringify(form.blocks);
    // Android 7 in device-admin mode cannot take a new passcode once one is set: the reason is shown.
    expect(refused).toContain("Moto G5");
    expect(refused).toMatch(/Android 7/);
    const deviceBlock = JSON.stringify(
      (form.blocks as { block_id?: string }[]).find((b) => b.block_id === "device_block") ?? {},
    );
    expect(deviceBlock).not.toContain("demo-moto-g5-android7-admin-passcode");
    const requests = await h.running.core.engine.stores.requests.list({
      limit: 10,
      deviceId: "demo-moto-g5-android7-admin-passcode",
    });
    expect(requests).toEqual([]);
  });
});
