// Shared set-up for the end-to-end tests of a reset through Intune (issue 17): the managed devices a
// person of the chat harnesses' workspace holds in the Graph stand-in (test/support/fake-graph.ts),
// a passcode Intune "generates" that cannot occur anywhere by coincidence, the timeline's words, and
// a wait on a condition with a deadline (never a fixed sleep).
//
// How long a reset through Intune takes is the engine's, not the test's. In a server, the
// scheduler's push-pending-commands duty fires every 10 s (cron */10) and the follow-up waits
// mdmFollowWaitMs (5 s at first, then half the time since the send, at most 5 minutes) between reads of Intune's record. With Intune
// reporting each command done at its first read: the POST at once, the reset's result at the first
// fire >= 5 s later (the lock is sent in the same step), the lock's result at the next fire (10 s
// on): 15 to 25 s. The CLI's own follow (polling every 300 ms) takes each step as soon as it is due:
// 5 s, or 15 s when Intune says "pending" at the first read. FOLLOW_MS leaves room for one more round.
import { randomInt } from "node:crypto";
import type { Embedded } from "./embedded.ts";
import { type FakeGraph, type ManagedDevice, managedDevice } from "./fake-graph.ts";
import { type SlackHarness, startSlackHarness } from "./slack-harness.ts";
import { startTeamsHarness, TENANT, type TeamsHarness } from "./teams-harness.ts";

/** The deadline for a reset through Intune to end after it started (see above). */
export const FOLLOW_MS = 60_000;

/** The timeline's words for Intune's steps (core/mdm/mdm-words.ts). */
export const INTUNE_WORDS = {
  accepted: "Intune accepted the reset",
  passcode: "Intune reports the new passcode",
  locked: "Intune reports the device locked",
} as const;

/** What a status message or card says instead of a Cancel button once Intune accepted the command. */
export const NO_CANCEL = "Intune cannot cancel a command it has accepted: this request runs to its end.";

/** Intune's refusal of a Windows device (core/capability-intune.ts), as the forms show it. */
export const WINDOWS_REFUSAL = "Intune cannot reset the passcode of a Windows device or lock it remotely";

/**
 * A passcode for the stand-in to report as Intune's: 14 random digits, so finding it in a message,
 * a log line or a mail can only be a leak, never a coincidence with a timestamp or a port.
 */
export function distinctivePasscode(): string {
  return `${randomInt(1, 10)}${Array.from({ length: 13 }, () => randomInt(0, 10)).join("")}`;
}

interface Owner {
  email: string;
  name: string;
}

function userFields(owner: Owner): Partial<ManagedDevice> {
  return {
    userPrincipalName: owner.email,
    emailAddress: owner.email,
    userDisplayName: owner.name,
    userId: `u-${owner.email.split("@")[0]}`,
  };
}

/** An Android Enterprise fully managed phone (COBO) of `owner`: Intune resets its passcode and locks it. */
export function fullyManagedPhone(id: string, owner: Owner, name = `Pixel 8 (${id})`): ManagedDevice {
  return managedDevice({ id, deviceName: name, ...userFields(owner) });
}

/** A Windows laptop of `owner`: Intune can neither reset its passcode nor lock it. */
export function windowsLaptop(id: string, owner: Owner, name = `Surface (${id})`): ManagedDevice {
  return managedDevice({
    id,
    deviceName: name,
    operatingSystem: "Windows",
    osVersion: "10.0.22631",
    deviceEnrollmentType: "windowsAzureADJoin",
    deviceType: "windowsRT",
    model: "Surface Laptop 5",
    manufacturer: "Microsoft",
    ...userFields(owner),
  });
}

/** A Mac of `owner`: Intune cannot reset its password, but locks it with a six-digit unlock PIN. */
export function mac(id: string, owner: Owner, name = `MacBook (${id})`): ManagedDevice {
  return managedDevice({
    id,
    deviceName: name,
    operatingSystem: "macOS",
    osVersion: "14.5",
    deviceEnrollmentType: "appleBulkWithUser",
    deviceType: "macMDM",
    model: "MacBook Air",
    manufacturer: "Apple",
    ...userFields(owner),
  });
}

/** Polls `fn` until it returns something truthy; fails naming `what` (and the last value) at the deadline. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  ms = FOLLOW_MS,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** startSlackHarness with INTUNE_* pointing at `graph` and its CA trusted (in-process Graph client). */
export function startIntuneSlackHarness(graph: FakeGraph): Promise<SlackHarness> {
  return startSlackHarness(graph.env(), { intuneCa: graph.ca });
}

/** The bot's app id in the Teams harness with Intune. */
export const TEAMS_APP_ID = "00000000-0000-4000-8000-00000000a117";

/**
 * startTeamsHarness with INTUNE_* pointing at `graph` and its CA trusted. Authenticated mode (an app
 * id, signed activities): with INTUNE_* set there are no simulated devices, and Teams' unsigned local
 * mode is only for those.
 */
export function startIntuneTeamsHarness(graph: FakeGraph): Promise<TeamsHarness> {
  const app = {
    MICROSOFT_APP_ID: TEAMS_APP_ID,
    MICROSOFT_APP_PASSWORD: "test-secret",
    MICROSOFT_APP_TENANT_ID: TENANT,
  };
  return startTeamsHarness({ ...app, ...graph.env() }, { intuneCa: graph.ca });
}

/** Intune's devices and users into the harness's inventory, through the server's own Intune wiring. */
export async function syncIntune(h: Embedded): Promise<void> {
  const intune = h.running.core.intune;
  if (!intune) throw new Error("Latchkey started without its Intune back-end (INTUNE_* not set?)");
  const r = await intune.sync(h.running.core.engine, { actor: "operator", surface: "cli" });
  if (!r.ok) throw new Error(`the Intune sync failed: ${r.error}`);
}
