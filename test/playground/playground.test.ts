// The Playground in headless Chromium (Debian's chromium driven by playwright-core): a full reset
// clicked through the Slack pane (command, modal, confirmation), the thread followed to Completed,
// the passcode read from the DM pane and typed on the phone's lock screen; then a reset through the
// Teams pane's message extension and status card. Screenshots go to test-results/playground/.
// Without chromium the test skips with a message, or fails in CI (CI=true).
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/compose.ts";
import { type Embedded, startEmbedded } from "../support/embedded.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const REQUIRE_BROWSER = process.env.CI === "true";
const SHOTS = join(PROJECT_ROOT, "test-results", "playground");

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(
    `Playground browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`,
  );
}

describe.skipIf(!HAVE_CHROMIUM && !REQUIRE_BROWSER)("the Playground in a browser", () => {
  let latchkey: Embedded;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const failedLoads: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    mkdirSync(SHOTS, { recursive: true });
    latchkey = await startEmbedded("playground", {}, () => ({
      slack: { postIntervalMs: 0, updateIntervalMs: 0 },
      teams: { pacing: { windows: [] } },
    }));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1500, height: 1300 } });
    page.on("pageerror", (err) => pageErrors.push(err.message));
    // Anything the browser asked for and did not get (a favicon's 404 shows in its console).
    page.on("response", (res) => {
      if (res.status() >= 400) failedLoads.push(`${res.status()} ${new URL(res.url()).pathname}`);
    });
    page.on("dialog", (d) => void d.accept());
    // localhost, as a person would type it: the Playground must accept its own page's Host and
    // Origin. The banner's URL, with the per-start token (then carried by the page's cookie).
    const port = new URL(latchkey.running.url).port;
    await page.goto(`http://localhost:${port}/?token=${latchkey.running.playground?.token}`);
    await page.locator("#live.on").waitFor();
    expect(new URL(page.url()).search).toBe("");
    expect(failedLoads).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await latchkey?.stop();
  });

  it("resets a phone from the Slack pane, and the passcode from the DM unlocks it", async () => {
    const deviceId = "demo-pixel-xl-android7-owner";
    expect(await page.inputValue("#slack-user")).toBe("UADAADMIN");
    await page.fill("#slack-input", "/reset-passcode @felix.field");
    await page.press("#slack-input", "Enter");

    const form = page.locator('#slack-modal .modal[data-callback="reset_form"]');
    await form.waitFor();
    await expect(form.textContent()).resolves.toContain("Felix Field");
    await form.locator(`input[type=radio][value="${deviceId}"]`).check();
    await shot("1-slack-reset-form");
    await form.locator("button.primary").click();

    const confirm = page.locator('#slack-modal .modal[data-callback="reset_confirm"]');
    await confirm.waitFor();
    await expect(confirm.textContent()).resolves.toContain(deviceId);
    await shot("2-slack-confirm");
    await confirm.locator("button.primary", { hasText: "Reset and lock" }).click();
    await page.locator("#slack-modal").waitFor({ state: "hidden" });

    // The status message in #it-ops and its thread follow the request to Completed.
    const status = page.locator("#slack-feed .msg", { hasText: "Passcode reset:" }).first();
    await status.locator(".thread", { hasText: "Completed" }).waitFor({ timeout: 20_000 });
    // The status section is updated after the thread's last milestone: wait for it, read it not once.
    await expect.poll(() => status.locator(".blk.section").first().textContent()).toContain("Completed");
    const feedText = (await page.locator("#slack-feed").textContent()) ?? "";
    expect(feedText).toContain("Locked");
    await shot("3-slack-thread-completed");

    // The passcode is in Ada's DM with the bot, never in the channel.
    await page.selectOption("#slack-channel", "DUADAADMIN");
    const code = page.locator("#slack-feed .msg", { hasText: "New passcode" }).locator("code").first();
    await code.waitFor({ timeout: 15_000 });
    const passcode = ((await code.textContent()) ?? "").trim();
    expect(passcode).toMatch(/^\d{4,16}$/);
    expect(feedText).not.toContain(passcode);
    await shot("4-slack-dm");

    // The phone is locked; a wrong passcode is refused, the DM's passcode unlocks it.
    const phone = page.locator(`.phone[data-device="${deviceId}"]`);
    await expect.poll(() => phone.textContent()).toContain("Locked");
    await phone.locator("button", { hasText: "Lock screen" }).click();
    const lock = page.locator(`#lock-screen .lock[data-device="${deviceId}"]`);
    await lock.locator("input").fill(passcode === "000000" ? "111111" : "000000");
    await lock.locator("button", { hasText: "Unlock" }).click();
    await expect.poll(() => lock.locator(".result").textContent()).toBe("Wrong passcode");
    await lock.locator("input").fill(passcode);
    await shot("5-lock-screen");
    await lock.locator("button", { hasText: "Unlock" }).click();
    await expect.poll(() => latchkey.running.simulator?.state(deviceId)?.locked).toBe(false);
    await expect.poll(() => phone.textContent()).toContain("Unlocked");

    // The mail went to the outbox and the audit log shows the reset.
    await expect.poll(() => page.locator("#outbox").textContent()).toContain("felix");
    await expect.poll(() => page.locator("#audit").textContent()).toContain("ada.admin@example.com");
    await shot("6-phone-unlocked");
    expect(pageErrors).toEqual([]);
    expect(failedLoads.filter((l) => l.includes("favicon"))).toEqual([]);
  });

  it("resets a phone through the Teams pane's message extension and follows its status card", async () => {
    const deviceId = "demo-lumia-930-wp81";
    await page.selectOption("#teams-conversation", "channel");
    await page.click("#teams-extension");
    const dialog = page.locator("#teams-dialog .modal");
    await dialog.locator("input").first().fill("omar.ops@example.com");
    await dialog.locator("button", { hasText: "Next" }).click();
    await dialog.getByText("Lumia 930", { exact: false }).first().waitFor();
    await shot("7-teams-reset-form");
    await chooseDevice(page, deviceId);
    await dialog.locator("button", { hasText: "Next" }).click();
    await dialog.locator("button", { hasText: "Reset and lock" }).waitFor();
    await shot("8-teams-confirm");
    await dialog.locator("button", { hasText: "Reset and lock" }).click();
    // Teams ends the dialog with a message box saying the reset is under way; the person closes it.
    await dialog.getByText(/under way|has started/).waitFor();
    await dialog.locator(".title button").click();
    await page.locator("#teams-dialog .modal").waitFor({ state: "detached" });

    const card = page.locator("#teams-feed .teams-msg", { hasText: "Passcode reset" }).first();
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain("Completed");
    await shot("9-teams-status-card");
    await expect.poll(() => latchkey.running.simulator?.state(deviceId)?.locked).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});

/** The device choice as the adaptivecards renderer draws it: radio buttons or a select. */
async function chooseDevice(page: Page, deviceId: string): Promise<void> {
  const dialog = page.locator("#teams-dialog .modal");
  const radio = dialog.locator(`input[type=radio][value="${deviceId}"]`);
  if ((await radio.count()) > 0) return radio.check({ force: true });
  await dialog.locator("select").first().selectOption(deviceId);
}
