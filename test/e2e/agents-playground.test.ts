// Teams in Microsoft's own client: Latchkey on its embedded defaults (Teams local mode, simulated
// phones) and the Microsoft 365 Agents Playground, driven in headless Chromium as a person would.
// The personal chat resets a phone to "Completed" and the passcode from the 1:1 chat unlocks it;
// the message extension's dialog starts a reset that is then followed in the group chat. The
// Playground's page throws on card data it cannot handle (a property named `key` stopped both
// paths), so every card's action data is checked for such names too, without a browser.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentsPlayground,
  CHROMIUM,
  chatCard,
  chromiumInstalled,
  dialogCard,
  launchChromium,
  logPanel,
  openChat,
  openPlayground,
  type PlaygroundPage,
  say,
  startAgentsPlayground,
} from "../support/agents-playground.ts";
import { type Embedded, startEmbedded } from "../support/embedded.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TEMPLATES = join(ROOT, "src/adapters/teams/cards/templates");
const CI = Boolean(process.env.CI) && process.env.CI !== "false";
const STEP = { timeout: 30_000 };
/** Felix's Pixel XL and Galaxy S7 in demo/inventory.json: both may be reset. */
const PIXEL_XL = "demo-pixel-xl-android7-owner";

/** Names in an action's `data` that the Agents Playground's page cannot send (it throws). */
const BREAKS_THE_PLAYGROUND = ["key", "hasOwnProperty", "__proto__"];

/** Every element of a card template whose `type` starts with `prefix` ("Action."). */
function elements(node: unknown, prefix: string, found: Record<string, unknown>[] = []) {
  if (Array.isArray(node)) for (const n of node) elements(n, prefix, found);
  else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (typeof o.type === "string" && o.type.startsWith(prefix)) found.push(o);
    for (const v of Object.values(o)) elements(v, prefix, found);
  }
  return found;
}

const templates = () =>
  readdirSync(TEMPLATES)
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ file: f, card: JSON.parse(readFileSync(join(TEMPLATES, f), "utf8")) as unknown }));

const dataKeys = (card: unknown) =>
  elements(card, "Action.").flatMap((a) => (a.data && typeof a.data === "object" ? Object.keys(a.data) : []));

describe("Teams cards' action data", () => {
  it("uses no property name the Agents Playground cannot send", () => {
    const names = templates().flatMap(({ file, card }) => dataKeys(card).map((k) => `${file}: ${k}`));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => BREAKS_THE_PLAYGROUND.includes(n.split(": ")[1] ?? ""))).toEqual([]);
  });
});

if (!chromiumInstalled() && !CI) {
  console.warn(
    `Skipping the Agents Playground browser test: ${CHROMIUM} is missing (apt-get install chromium).`,
  );
}

describe.skipIf(!chromiumInstalled() && !CI)("Teams in the Microsoft 365 Agents Playground", () => {
  let latchkey: Embedded | undefined;
  let playground: AgentsPlayground | undefined;
  let browser: Browser | undefined;
  let pg: PlaygroundPage;

  beforeAll(async () => {
    if (!chromiumInstalled()) {
      throw new Error(
        `${CHROMIUM} is missing: CI runs the Agents Playground test in Debian's Chromium (apt-get install chromium).`,
      );
    }
    latchkey = await startEmbedded("agents-playground", {}, () => ({}));
    playground = await startAgentsPlayground(`${latchkey.running.url}/api/messages`);
    browser = await launchChromium();
    pg = await openPlayground(browser, playground.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await playground?.stop();
    await latchkey?.stop();
  });

  const unlock = (deviceId: string, passcode: string) =>
    fetch(`${latchkey?.running.url}/simulator/devices/${deviceId}/unlock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ passcode }),
    });

  it("personal chat: reset passcode -> device -> Next -> Reset and lock -> Completed; the 1:1 passcode unlocks the phone", async () => {
    const { page } = pg;
    await pg.visible(chatCard(page, "Welcome to Latchkey"));
    await say(page, "reset passcode felix.field@example.com");

    const form = chatCard(page, "Felix Field");
    const pixel = form.getByRole("radio", { name: /Pixel XL/ });
    await pg.visible(pixel);
    await pixel.check();
    await form.getByRole("button", { name: "Next" }).click();
    const confirm = chatCard(page, "Confirm reset");
    await confirm.getByRole("button", { name: "Reset and lock" }).click(STEP);

    // One status card, updated in place as the simulated phone reports, to Completed.
    const status = chatCard(page, "Requested by", "Pixel XL");
    await pg.visible(status.filter({ hasText: "Completed" }));
    expect(await status.count()).toBe(1);

    const passcodeCard = chatCard(page, "New device passcode", "Pixel XL");
    await pg.visible(passcodeCard);
    const line = await passcodeCard.getByText(/^New passcode:/).textContent();
    const passcode = /New passcode:\s*(\S+)/.exec(line ?? "")?.[1] ?? "";
    expect(passcode).toMatch(/^\d{6,}$/);
    expect(latchkey?.logs.join("")).not.toContain(passcode);

    const wrong = passcode.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    expect((await unlock(PIXEL_XL, wrong)).status).toBe(403);
    const right = await unlock(PIXEL_XL, passcode);
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual({ unlocked: true });

    expect(pg.errors).toEqual([]);
    expect(await logPanel(page).textContent()).not.toMatch(/\(×\) Error/);
  }, 120_000);

  it("message extension in the group chat: the dialog's card starts a reset that the conversation follows", async () => {
    const { page } = pg;
    const manifest = JSON.parse(readFileSync(join(ROOT, "manifests/teams/manifest.json"), "utf8"));
    const commandId: string = manifest.composeExtensions[0].commands[0].id;

    await openChat(page, "Group Chat");
    await page.locator('button[aria-label="Trigger Message Extension App"]').click(STEP);
    await page.getByRole("menuitem", { name: "Action Command" }).click(STEP);
    const ask = page.locator('[role="dialog"]');
    await ask.getByRole("textbox", { name: "Command ID" }).fill(commandId);
    await ask.getByRole("button", { name: "Create" }).click();

    const card = dialogCard(page);
    const email = card.getByRole("textbox", { name: /email/i });
    await pg.visible(email);
    await email.fill("felix.field@example.com");
    await card.getByRole("button", { name: "Next" }).click();
    const galaxy = card.getByRole("radio", { name: /Galaxy S7/ });
    await pg.visible(galaxy);
    await galaxy.check();
    await card.getByRole("button", { name: "Next" }).click();
    await card.getByRole("button", { name: "Reset and lock" }).click(STEP);

    // The dialog ends with a message saying the reset started, and the person closes it.
    const dialog = page.locator('[role="dialog"]');
    await pg.visible(dialog.getByText(/reset has started|under way/));
    await dialog.getByRole("button", { name: "Close" }).click();

    const status = chatCard(page, "Requested by", "Galaxy S7");
    await pg.visible(status);
    await pg.visible(status.filter({ hasText: "Completed" }));
    // The passcode went to Ada's 1:1 (and email), never into the group chat.
    expect(await chatCard(page, "New device passcode").count()).toBe(0);
    expect(pg.errors).toEqual([]);
    expect(await logPanel(page).textContent()).not.toMatch(/\(×\) Error/);
  }, 120_000);
});
