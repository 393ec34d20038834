// Microsoft's own Teams-like client, for the browser test: the Microsoft 365 Agents Playground CLI
// (npm @microsoft/m365agentsplayground, a devDependency) as a child process, pointed at Latchkey's
// /api/messages, with the demo's config file (you are Ada Admin of the demo inventory), and its page
// driven in Debian's headless Chromium through playwright-core. Nothing here reaches the network:
// the page's web fonts come from a CDN and are refused, the CLI's telemetry is off.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "node_modules/@microsoft/m365agentsplayground/cli.js");
export const PLAYGROUND_CONFIG = join(ROOT, "demo/agents-playground/.m365agentsplayground.yml");

export interface AgentsPlayground {
  url: string;
  /** Everything the CLI printed. */
  output: string[];
  stop(): Promise<void>;
}

/** Starts the Playground CLI on a free port (it prints "Listening on <port>") talking to `botEndpoint`. */
export async function startAgentsPlayground(
  botEndpoint: string,
  timeoutMs = 60_000,
): Promise<AgentsPlayground> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-agents-playground-"));
  const child = spawn(
    process.execPath,
    [CLI, "-e", botEndpoint, "-c", "msteams", "-p", "0", "--disable-telemetry"],
    {
      cwd: dir,
      env: {
        ...process.env,
        TEAMSAPPTESTER_BROWSER: "none",
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: PLAYGROUND_CONFIG,
        M365_AGENTS_PLAYGROUND_LOGFILE: join(dir, "playground.log"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const output: string[] = [];
  const stop = async () => {
    await killChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`The Agents Playground did not start in ${timeoutMs} ms:\n${output.join("")}`)),
        timeoutMs,
      );
      const read = (chunk: Buffer) => {
        output.push(String(chunk));
        const port = /Listening on (\d+)/.exec(output.join(""))?.[1];
        if (port) {
          clearTimeout(timer);
          ok(port);
        }
      };
      child.stdout?.on("data", read);
      child.stderr?.on("data", read);
      child.once("exit", (code) => {
        clearTimeout(timer);
        fail(new Error(`The Agents Playground exited (${code}) before listening:\n${output.join("")}`));
      });
    });
    return { url: `http://127.0.0.1:${port}`, output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface PlaygroundPage {
  page: Page;
  /** Uncaught errors thrown in the page (a card the client cannot handle throws here). */
  errors: string[];
  /**
   * Waits until `locator` is visible; fails at once, with the page's error, when the page has thrown
   * (a click the client could not send never shows its answer).
   */
  visible(locator: Locator, timeoutMs?: number): Promise<void>;
}

/** Opens the Playground's page; only its own origin is reachable (the CDN's fonts are refused). */
export async function openPlayground(browser: Browser, url: string): Promise<PlaygroundPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  const waiting = new Set<(err: Error) => void>();
  page.on("pageerror", (err) => {
    errors.push(err.message);
    for (const fail of waiting) fail(new Error(`The Agents Playground's page threw: ${err.message}`));
  });
  await page.route(
    (u) => u.origin !== new URL(url).origin,
    (route) => route.abort(),
  );
  await page.goto(url);
  return {
    page,
    errors,
    async visible(locator, timeoutMs = 30_000) {
      if (errors.length > 0) throw new Error(`The Agents Playground's page threw: ${errors[0]}`);
      let fail: (err: Error) => void = () => undefined;
      const thrown = new Promise<never>((_, reject) => {
        fail = reject;
      });
      waiting.add(fail);
      try {
        await Promise.race([locator.waitFor({ state: "visible", timeout: timeoutMs }), thrown]);
      } finally {
        waiting.delete(fail);
      }
    },
  };
}

/** Types into the compose box of the open chat and sends. */
export async function say(page: Page, text: string): Promise<void> {
  const box = page.locator('[data-lexical-editor="true"][role="textbox"]');
  await box.click();
  await box.fill(text);
  await box.press("Enter");
}

/** The chat's Adaptive Cards (outside any dialog) that contain every one of `texts`. */
export function chatCard(page: Page, ...texts: (string | RegExp)[]): Locator {
  let cards = page.locator(".ac-adaptiveCard:not([role=dialog] .ac-adaptiveCard)");
  for (const t of texts) cards = cards.filter({ hasText: t });
  return cards;
}

/** The Adaptive Card inside the open dialog (a message extension's task module). */
export function dialogCard(page: Page): Locator {
  return page.locator('[role="dialog"] .ac-adaptiveCard');
}

/** Opens a chat of the left-hand tree ("Personal Chat", "Group Chat", "IT Team - General"). */
export async function openChat(page: Page, name: string): Promise<void> {
  await page.getByRole("treeitem", { name, exact: true }).click();
}

/** The log panel's lines (every request between the Playground and the bot, and its errors). */
export function logPanel(page: Page): Locator {
  return page.locator('[contenteditable="true"]').filter({ hasText: "Connecting to your application" });
}
