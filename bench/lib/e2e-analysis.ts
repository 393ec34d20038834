// Benchmark 3's figures from one run: per request, the time between timeline steps (the simulated
// phone's pauses subtracted); per channel, how fast Slack was written to. bench/e2e.ts drives the
// run; bench/lib/e2e-tables.ts prints what this computes.
import type { Settings } from "../settings.ts";
import type { MessageCall, SlackSummary } from "./e2e-slack.ts";

export type E2eDatabase = "embedded SQLite" | "PostgreSQL";
export type E2ePacing = "production" | "off";

export interface E2eRun {
  database: E2eDatabase;
  pacing: E2ePacing;
  resets: number;
  channels: number;
  deviceDelayMs: number;
  /** Confirmations answered 200 {"response_action":"clear"}, and the others. */
  accepted: number;
  refused: number;
  /** ms from the first confirmation sent to the last one acknowledged / locked / completed. */
  acceptedInMs: number;
  lockedInMs: number;
  completedInMs: number;
  locked: number;
  completed: number;
  /** Per request, ms: confirmation sent -> timeline step (device pauses subtracted where noted). */
  confirmToLockedMs: number[];
  segments: Record<string, number[]>;
  /** Confirmation sent -> the first Slack message (status or thread reply) showing it locked. */
  confirmToSlackLockedMs: number[];
  /** Confirmation ack latency, ms. */
  ackMs: number[];
  slackCounts: Record<string, number>;
  slackErrors: number;
  rates: ChannelRates;
  /** Latchkey's CPU per reset (simulated phones included: they run in its process). */
  cpuMsPerReset: number;
  /** How long after the last lock Slack was still being written to (its queues draining). */
  slackDrainMs: number;
  timedOut: boolean;
}

export interface ChannelRates {
  /** Most chat.postMessage calls into one channel in any 1 s window, and the shortest gap between two. */
  postPerSecMax: number;
  postMinGapMs: number;
  /** Most chat.update calls on one channel's messages in any 1 s window. */
  updatePerSecMax: number;
  /** Most chat.update calls app-wide in any 60 s window (Slack's Tier 3: about 50 a minute). */
  updatePerMinAppMax: number;
  /** Slack messages (posts + updates) per reset in its channel, vs timeline events per reset. */
  channelMessagesPerReset: number;
  eventsPerReset: number;
}

export interface E2eBenchmark {
  runs: E2eRun[];
  skipped: string[];
}

export const SEGMENTS: [string, string, string, number][] = [
  // label, from event (or "confirm"), to event, device pauses inside
  ["confirmation → request created (ack, authorization, capability, transaction)", "confirm", "requested", 0],
  ["request created → pushed to the device", "requested", "pushed", 0],
  [
    "pushed → device reports received (fetch of the command; 1 device pause subtracted)",
    "pushed",
    "received",
    1,
  ],
  ["received → passcode reset (1 device pause subtracted)", "received", "passcode_reset", 1],
  ["passcode reset → locked (1 device pause subtracted)", "passcode_reset", "locked", 1],
  ["locked → completed (passcode by email and Slack DM)", "locked", "completed", 0],
];

export function analyse(o: {
  s: Settings;
  database: E2eDatabase;
  pacing: E2ePacing;
  requests: { id: string; deviceId: string; state: string; events: { type: string; at: number }[] }[];
  sentAt: Map<string, number>;
  began: number;
  summary: SlackSummary;
  accepted: number;
  refused: number;
  acceptedInMs: number;
  ackMs: number[];
  cpuMs: number;
  timedOut: boolean;
}): E2eRun {
  const { s, requests, sentAt, began, summary } = o;
  const pause = s.e2eDeviceDelayMs;
  const measured = requests.filter((r) => sentAt.has(r.deviceId));
  const first = (r: (typeof requests)[number], type: string) => r.events.find((e) => e.type === type)?.at;
  const segments: Record<string, number[]> = {};
  const confirmToLockedMs: number[] = [];
  let lockedLast = 0;
  let completedLast = 0;
  let locked = 0;
  let completed = 0;
  for (const r of measured) {
    const confirm = sentAt.get(r.deviceId) as number;
    const at = (type: string) => (type === "confirm" ? confirm : first(r, type));
    for (const [label, from, to, pauses] of SEGMENTS) {
      const a = at(from);
      const b = at(to);
      if (a === undefined || b === undefined) continue;
      const list = segments[label] ?? [];
      list.push(b - a - pauses * pause);
      segments[label] = list;
    }
    const lockedAt = first(r, "locked");
    if (lockedAt !== undefined) {
      locked++;
      lockedLast = Math.max(lockedLast, lockedAt);
      // The phone pauses three times before it reports "locked" (after fetching, after received, after the reset).
      confirmToLockedMs.push(lockedAt - confirm - 3 * pause);
    }
    const completedAt = first(r, "completed");
    if (completedAt !== undefined) {
      completed++;
      completedLast = Math.max(completedLast, completedAt);
    }
  }
  // Slack: when each request was first shown locked, and the rates per channel.
  const byRequest = new Map(measured.map((r) => [r.id, sentAt.get(r.deviceId) as number]));
  const shownLocked = new Map<string, number>();
  for (const c of summary.messageCalls) {
    if (!c.locked || !c.requestId || !byRequest.has(c.requestId)) continue;
    shownLocked.set(c.requestId, Math.min(shownLocked.get(c.requestId) ?? Infinity, c.at));
  }
  const confirmToSlackLockedMs = [...shownLocked].map(([id, at]) => at - (byRequest.get(id) as number));
  const events = measured.reduce((t, r) => t + r.events.length, 0);
  return {
    database: o.database,
    pacing: o.pacing,
    resets: s.e2eResets,
    channels: s.e2eChannels,
    deviceDelayMs: pause,
    accepted: o.accepted,
    refused: o.refused,
    acceptedInMs: o.acceptedInMs,
    lockedInMs: lockedLast - began,
    completedInMs: completedLast - began,
    locked,
    completed,
    confirmToLockedMs,
    segments,
    confirmToSlackLockedMs,
    ackMs: o.ackMs,
    slackCounts: summary.counts,
    slackErrors: summary.errors,
    rates: rates(summary.messageCalls, s.e2eResets, events / Math.max(1, measured.length)),
    cpuMsPerReset: o.cpuMs / Math.max(1, measured.length),
    slackDrainMs: Math.max(0, summary.lastCallAt - lockedLast),
    timedOut: o.timedOut,
  };
}

/** Most events of `times` (sorted) inside any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let from = 0;
  for (let to = 0; to < times.length; to++) {
    while ((times[to] as number) - (times[from] as number) >= windowMs) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

function rates(calls: MessageCall[], resets: number, eventsPerReset: number): ChannelRates {
  const channelCalls = calls.filter((c) => c.channel.startsWith("C"));
  const per = (method: MessageCall["method"]) => {
    const by = new Map<string, number[]>();
    for (const c of channelCalls)
      if (c.method === method) (by.get(c.channel) ?? by.set(c.channel, []).get(c.channel))?.push(c.at);
    return [...by.values()].map((t) => t.sort((a, b) => a - b));
  };
  const posts = per("chat.postMessage");
  const updates = per("chat.update");
  let minGap = Infinity;
  for (const t of posts)
    for (let i = 1; i < t.length; i++) minGap = Math.min(minGap, (t[i] as number) - (t[i - 1] as number));
  const allUpdates = calls
    .filter((c) => c.method === "chat.update")
    .map((c) => c.at)
    .sort((a, b) => a - b);
  return {
    postPerSecMax: Math.max(0, ...posts.map((t) => maxInWindow(t, 1000))),
    postMinGapMs: minGap,
    updatePerSecMax: Math.max(0, ...updates.map((t) => maxInWindow(t, 1000))),
    updatePerMinAppMax: maxInWindow(allUpdates, 60_000),
    channelMessagesPerReset: channelCalls.length / Math.max(1, resets),
    eventsPerReset,
  };
}
