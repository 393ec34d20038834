// Benchmark 6, hostile input: what one chat user can do to everyone else's requests. Latchkey runs
// as a child process (Slack pointed at the fake Web API, Teams in local mode answering to a fake Bot
// Connector) and receives, back to back over real HTTP, a signed `/reset-passcode` whose text is
// 100 KB of dots and '@', and a Teams dialog submission carrying the same text as the person's
// address (the input that kept the old email pattern backtracking for seconds), next to the same
// requests with an ordinary person in them. Meanwhile a second client asks `GET /healthz` every
// 20 ms: if the event loop is held, its answers wait. Reported: answer latency (p50/max) and
// /healthz latency during each phase, and whether every answer was the expected one.
// Run alone: `node --import tsx bench/hostile-input.ts [--ci]` prints the table.
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { type FakeConnector, startFakeConnector } from "../test/fakes/fake-bot-connector.ts";
import { type FakeSlackProcess, startFakeSlackProcess } from "./lib/fake-slack.ts";
import type { Target } from "./lib/processes.ts";
import { machineLine } from "./lib/report.ts";
import { ADMIN, CHANNEL, commandBody, type SignedRequest, sign, TARGET } from "./lib/slack-payloads.ts";
import { max, percentile } from "./lib/stats.ts";
import { startTarget } from "./lib/targets.ts";
import { ADA, FELIX, jsonRequest, TENANT, teamsActivity } from "./lib/teams-payloads.ts";
import { CI, FULL, type Settings } from "./settings.ts";

/** The old email pattern's worst case: an '@', a long run it kept re-splitting, an '@' that fails it. */
export const HOSTILE_TEXT = `.@${".".repeat(100_000)}@`;

type Surface = "Slack" | "Teams";
interface Phase {
  surface: Surface;
  input: "ordinary" | "100 KB hostile";
  /** The request, built fresh for each send. */
  make(): SignedRequest;
  path: string;
  /** Whether an answer is the one expected (a clear refusal for hostile input). */
  expected(status: number, body: string): boolean;
}

export interface HostileRow {
  surface: Surface | "none";
  input: string;
  sent: number;
  /** Answered 200 with the expected body. */
  expected: number;
  answerMs: number[];
  healthMs: number[];
  /** /healthz calls that failed or answered other than 200. */
  healthFailures: number;
}

const HEALTH_EVERY_MS = 20;

function phases(slack: FakeSlackProcess, connector: FakeConnector): Phase[] {
  const command = (text: string) => {
    const body = new URLSearchParams(commandBody(slack.url));
    body.set("text", text);
    return sign(body.toString());
  };
  const submission = (owner: string) => {
    const activity = teamsActivity("submitForm", connector.url);
    const value = activity.value as Record<string, unknown>;
    return jsonRequest({ ...activity, value: { ...value, data: { verb: "reset.form", owner } } });
  };
  const tooLong = /too long for a command|longer than 254 characters/;
  return [
    {
      surface: "Slack",
      input: "ordinary",
      path: "/slack/events",
      make: () => command(`<@${TARGET.id}|${TARGET.name}>`),
      // Acked empty (the modal follows), or told in the ack that the form queue is full.
      expected: (status, body) => status === 200 && (body === "" || body.includes("busy opening")),
    },
    {
      surface: "Slack",
      input: "100 KB hostile",
      path: "/slack/events",
      make: () => command(HOSTILE_TEXT),
      expected: (status, body) => status === 200 && tooLong.test(body) && body.length < 2000,
    },
    {
      surface: "Teams",
      input: "ordinary",
      path: "/api/messages",
      make: () => submission(FELIX.email),
      expected: (status, body) => status === 200 && body.includes("deviceId"),
    },
    {
      surface: "Teams",
      input: "100 KB hostile",
      path: "/api/messages",
      make: () => submission(HOSTILE_TEXT),
      expected: (status, body) => status === 200 && tooLong.test(body) && body.length < 10_000,
    },
  ];
}

/** GET /healthz every HEALTH_EVERY_MS until `stop` resolves; each answer's latency. */
async function pollHealth(url: string, stop: Promise<void>): Promise<{ ms: number[]; failures: number }> {
  let done = false;
  void stop.then(() => {
    done = true;
  });
  const ms: number[] = [];
  let failures = 0;
  while (!done) {
    const t = performance.now();
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.arrayBuffer().then(() => r.status === 200),
      () => false,
    );
    if (ok) ms.push(performance.now() - t);
    else failures++;
    await sleep(HEALTH_EVERY_MS);
  }
  return { ms, failures };
}

async function runPhase(target: Target, p: Phase | null, seconds: number): Promise<HostileRow> {
  let finish = () => {};
  const stop = new Promise<void>((ok) => {
    finish = ok;
  });
  const health = pollHealth(target.url, stop);
  const row: HostileRow = {
    surface: p?.surface ?? "none",
    input: p?.input ?? "(/healthz alone)",
    sent: 0,
    expected: 0,
    answerMs: [],
    healthMs: [],
    healthFailures: 0,
  };
  const deadline = performance.now() + seconds * 1000;
  if (p === null) await sleep(seconds * 1000);
  while (p && performance.now() < deadline) {
    const req = p.make();
    const t = performance.now();
    row.sent++;
    const res = await fetch(`${target.url}${p.path}`, {
      method: "POST",
      headers: req.headers,
      body: req.body,
    });
    const body = await res.text();
    row.answerMs.push(performance.now() - t);
    if (p.expected(res.status, body)) row.expected++;
  }
  finish();
  const h = await health;
  row.healthMs = h.ms;
  row.healthFailures = h.failures;
  return row;
}

export async function runHostileBenchmark(s: Settings, log: (line: string) => void): Promise<HostileRow[]> {
  const slack = await startFakeSlackProcess(s.quietMs);
  const connector = await startFakeConnector({
    users: [ADA, FELIX].map((u) => ({ ...u, tenantId: TENANT })),
  });
  let target: Target | null = null;
  try {
    target = await startTarget("Latchkey", { slackApiUrl: slack.apiUrl });
    const seconds = Math.max(1, s.fixedSec * 2);
    const rows = [await runPhase(target, null, Math.min(seconds, 2))];
    for (const p of phases(slack, connector)) {
      log(`hostile: ${p.surface} ${p.input} for ${seconds}s, /healthz every ${HEALTH_EVERY_MS} ms`);
      const row = await runPhase(target, p, seconds);
      if (row.expected < row.sent) {
        throw new Error(
          `${p.surface} ${p.input}: ${row.sent - row.expected} of ${row.sent} answers were not the expected one`,
        );
      }
      rows.push(row);
      await slack.settle();
      await slack.reset();
    }
    return rows;
  } finally {
    await target?.stop();
    await connector.close();
    await slack.close();
  }
}

const ms = (v: number) => (Number.isNaN(v) ? "–" : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(0)} ms`);

export function hostileTable(rows: HostileRow[], s: Settings): string {
  const seconds = Math.max(1, s.fixedSec * 2);
  return [
    `Latchkey as a child process; one client sends each request back to back for ${seconds} s while another ` +
      `asks \`GET /healthz\` every ${HEALTH_EVERY_MS} ms. Slack: a signed \`/reset-passcode\` to \`/slack/events\` ` +
      `(ordinary: \`@${TARGET.name}\` from ${ADMIN.name} in ${CHANNEL}, acked then a modal opens; hostile: ` +
      "`.@` + 100,000 dots + `@`, refused in the ack). Teams: the reset dialog's person submitted " +
      `(\`composeExtension/submitAction\`; ordinary: ${FELIX.email}, answered with the device form; hostile: ` +
      "the same 100 KB text as the address, answered with the person form and why). Every answer was checked.",
    "",
    "| Surface | Input | Requests | Answer p50 | Answer max | /healthz answers | /healthz p50 | /healthz max |",
    "|---|---|--:|--:|--:|--:|--:|--:|",
    ...rows.map(
      (r) =>
        `| ${[
          r.surface === "none" ? "–" : r.surface,
          r.input,
          r.surface === "none" ? "–" : String(r.sent),
          ms(percentile(r.answerMs, 0.5)),
          ms(max(r.answerMs)),
          `${r.healthMs.length}${r.healthFailures > 0 ? ` (${r.healthFailures} failed)` : ""}`,
          ms(percentile(r.healthMs, 0.5)),
          ms(max(r.healthMs)),
        ].join(" | ")} |`,
    ),
    "",
  ].join("\n");
}

// ---- run alone ----------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const settings = process.argv.includes("--ci") ? CI : FULL;
  const began = performance.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const log = (line: string) =>
    process.stderr.write(
      `[hostile ${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}\n`,
    );
  const rows = await runHostileBenchmark(settings, log);
  process.stdout.write(
    [
      "## 6. Hostile input",
      "",
      machineLine(settings, { start: loadAtStart, end: loadavg()[0] ?? 0 }),
      "",
      hostileTable(rows, settings),
    ].join("\n"),
  );
  process.stderr.write(`done in ${((performance.now() - began) / 1000).toFixed(0)} s\n`);
}
