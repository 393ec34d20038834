// One way of writing a moment for people, on every surface: a relative phrase where the text is
// read when it is written ("in 24 hours"), an absolute UTC time that stays true ("08 Dec 04:23
// UTC"), and the platform's own local-time tokens where Slack and Teams have them. Never an ISO
// timestamp ("2026-12-08T04:23:59.322Z") in front of a person.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detailsView } from "../../src/adapters/slack/views/details-view.ts";
import { statusMessage } from "../../src/adapters/slack/views/status-message.ts";
import { detailsCard } from "../../src/adapters/teams/cards/details-card.ts";
import { statusCard } from "../../src/adapters/teams/cards/status-card.ts";
import { runCli } from "../../src/cli/main.ts";
import { checkCapability } from "../../src/core/capability.ts";
import { at } from "../../src/core/engine.ts";
import { relativeTime, stampText, timeText, utcTime } from "../../src/core/time-text.ts";
import type { ResetRequest, TimelineEvent } from "../../src/core/types.ts";
import { sampleDevice } from "../support/sample-device.ts";

const NOW = new Date("2026-12-07T04:23:59.322Z");
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
/** An ISO-8601 timestamp, or the "2026-12-08 04:23Z" cards used to show. */
const ISO = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

describe("relativeTime: rounded to the nearest unit, past and future", () => {
  it.each([
    [0, "just now"],
    [-44 * S, "just now"],
    [44 * S, "in less than a minute"],
    [-45 * S, "1 minute ago"],
    [-89 * S, "1 minute ago"],
    [90 * S, "in 2 minutes"],
    [5 * M, "in 5 minutes"],
    [-3 * M, "3 minutes ago"],
    [-(59 * M + 29 * S), "59 minutes ago"],
    [-(59 * M + 30 * S), "1 hour ago"],
    [90 * M, "in 2 hours"],
    [24 * H, "in 24 hours"],
    [-(47 * H + 29 * M), "47 hours ago"],
    [-(47 * H + 30 * M), "2 days ago"],
    [2 * D, "in 2 days"],
    [-10 * D, "10 days ago"],
    [-364 * D, "364 days ago"],
    [-(364 * D + 12 * H), "1 year ago"],
    [-400 * D, "1 year ago"],
    [3 * 365 * D, "in 3 years"],
  ])("%i ms from now reads %s", (offset, phrase) => {
    expect(relativeTime(new Date(NOW.getTime() + offset), NOW)).toBe(phrase);
  });
});

describe("utcTime, timeText and stampText: absolute, in UTC, the year only when it helps", () => {
  it.each([
    ["2026-12-08T04:23:59.999Z", NOW, {}, "08 Dec 04:23 UTC"],
    ["2026-01-02T00:05:00Z", NOW, {}, "02 Jan 00:05 UTC"],
    ["2027-01-02T00:05:00Z", NOW, {}, "02 Jan 2027 00:05 UTC"],
    ["2025-12-31T23:59:00Z", NOW, {}, "31 Dec 2025 23:59 UTC"],
    ["2027-01-01T00:10:00Z", new Date("2026-12-31T23:30:00Z"), {}, "01 Jan 2027 00:10 UTC"],
    ["2026-12-08T04:23:59Z", undefined, {}, "08 Dec 2026 04:23 UTC"],
    ["2026-12-08T04:23:09Z", NOW, { seconds: true }, "08 Dec 04:23:09 UTC"],
  ] as const)("%s (now %o, %o) reads %s", (iso, now, opts, text) => {
    expect(utcTime(new Date(iso), now, opts)).toBe(text);
  });

  it("gives both for live text, and the year-stamped time alone for stored text (the engine's at())", () => {
    const expiry = new Date(NOW.getTime() + 24 * H);
    expect(timeText(expiry, NOW)).toBe("in 24 hours (08 Dec 04:23 UTC)");
    expect(stampText(expiry)).toBe("08 Dec 2026 04:23 UTC");
    expect(at(expiry)).toBe("08 Dec 2026 04:23 UTC");
  });
});

const device = sampleDevice({ name: "Ana's Pixel", lastSeenAt: new Date(NOW.getTime() - 10 * D) });
const request: ResetRequest = {
  id: "rq_1",
  kind: "reset_and_lock",
  deviceId: device.id,
  requestedBy: "ada@example.com",
  surface: "slack",
  notifyUser: false,
  state: "pushed",
  pushAttempts: 1,
  nextPushAt: null,
  expiresAt: new Date(NOW.getTime() + 24 * H),
  outcome: null,
  createdAt: new Date(NOW.getTime() - 2 * M),
  finishedAt: null,
  hasPasscode: true,
  mdmBaselines: {},
};
const events: TimelineEvent[] = [
  {
    id: 1,
    requestId: request.id,
    at: new Date(NOW.getTime() - M),
    type: "pushed",
    actor: "latchkey",
    detail: `Sent to the device (the request expires at ${at(request.expiresAt)} if it does not).`,
  },
];

describe("the surfaces", () => {
  it("capability warnings: 'Last seen 10 days ago' and 'expires in 24 hours (08 Dec 04:23 UTC)'", () => {
    const c = checkCapability(device, {
      now: NOW,
      staleAfterMs: 7 * D,
      expiresAt: request.expiresAt,
      activeRequest: null,
    });
    expect(c.warnings.join(" ")).toContain(
      "Last seen 10 days ago: the command will run at its next check-in; the request expires in 24 hours (08 Dec 04:23 UTC).",
    );
    expect(c.warnings.join(" ")).not.toMatch(ISO);
  });

  it("Slack Details: a relative expiry, each time in the reader's zone with a UTC fallback, no ISO", () => {
    const text = JSON.stringify(detailsView(request, device, events, [], NOW));
    const epoch = Math.floor(request.expiresAt.getTime() / 1000);
    expect(text).toContain(
      `expires in 24 hours (<!date^${epoch}^{date_short_pretty} {time}|08 Dec 04:23 UTC>)`,
    );
    expect(text).toContain("|07 Dec 2026 04:22 UTC>"); // the event's own time, as a fallback
    expect(text).toContain("the request expires at 08 Dec 2026 04:23 UTC if it does not");
    expect(text).not.toMatch(ISO);
    const ended = { ...request, state: "completed" as const, finishedAt: new Date(NOW.getTime() - M) };
    expect(JSON.stringify(detailsView(ended, device, events, [], NOW))).toMatch(
      /ended 1 minute ago \(<!date\^\d+\^\{date_short_pretty\} \{time\}\|07 Dec 04:22 UTC>\)/,
    );
    // The status message stays up for days: a client-rendered time, never a relative phrase of ours.
    const status = statusMessage(
      {
        request,
        device,
        owner: null,
        requester: null,
        cancellable: true,
        thread: { purpose: "requester" },
      } as unknown as Parameters<typeof statusMessage>[0],
      "<@U1>",
    );
    expect(JSON.stringify(status)).toMatch(
      /started <!date\^\d+\^\{date_short_pretty\} \{time\}\|07 Dec 2026 04:21 UTC>/,
    );
  });

  it("Teams Details and status card: a relative expiry, the viewer's local time elsewhere, no ISO", () => {
    const json = JSON.stringify(detailsCard(request, device, events, [], NOW));
    expect(json).toContain('"title":"Expires","value":"in 24 hours (08 Dec 04:23 UTC)"');
    // Adaptive Cards' own functions: strict RFC 3339 without milliseconds, or the viewer sees them raw.
    expect(json).toContain("{{DATE(2026-12-07T04:22:59Z, SHORT)}} {{TIME(2026-12-07T04:22:59Z)}}");
    const status = JSON.stringify(
      statusCard(
        {
          request,
          device,
          owner: null,
          requester: null,
          cancellable: false,
          thread: { purpose: "requester" },
        },
        { userIds: [], cancel: false },
      ),
    );
    expect(status).toContain("started {{DATE(2026-12-07T04:21:59Z, SHORT)}} {{TIME(2026-12-07T04:21:59Z)}}");
    const tokens = /\{\{(DATE|TIME)\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z(, SHORT)?\)\}\}/g;
    for (const card of [json, status]) expect(card.replace(tokens, "")).not.toMatch(ISO);
  });

  it("the CLI: relative times with UTC, no ISO, in `check` and `timeline`", async () => {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-times-"));
    try {
      writeFileSync(
        join(dir, "fleet.json"),
        JSON.stringify({
          people: [
            { email: "ops@example.com", name: "Ops", role: "admin" },
            { email: "kim@example.com", name: "Kim" },
          ],
          devices: [
            {
              id: "k-1",
              owner: "kim@example.com",
              name: "Kim's phone",
              platform: "android",
              osVersion: "14",
              managementMode: "device_owner",
              passcodeSet: true,
              resetTokenActive: true,
              lastSeenAt: new Date(Date.now() - 10 * D).toISOString(),
            },
          ],
        }),
      );
      const out: string[] = [];
      const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
      const env = { DATA_DIR: dir, LOG_LEVEL: "silent", PORT: "1" };
      const run = (...args: string[]) => runCli(args, env, io);
      expect(await run("import", join(dir, "fleet.json"))).toBe(0);
      expect(await run("check", "k-1")).toBe(0);
      expect(out.join("\n")).toMatch(
        /Warning: Last seen 10 days ago: .*the request expires in 24 hours \(\d\d [A-Z][a-z]{2} \d\d:\d\d UTC\)\./,
      );
      await run("reset", "k-1", "--as", "ops@example.com", "--no-follow");
      const id = /(rq_[0-9a-f]+)/.exec(out.join("\n"))?.[1] ?? "";
      out.length = 0;
      expect(await run("timeline", id)).toBe(0);
      expect(out.join("\n")).toMatch(/^\d\d [A-Z][a-z]{2}( \d{4})? \d\d:\d\d:\d\d UTC {2}requested/m);
      // Stored details (the engine's at()) read the same, with their year.
      expect(out.join("\n")).toMatch(/push_failed .*Retrying at \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC\./);
      expect(out.join("\n")).not.toMatch(ISO);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
