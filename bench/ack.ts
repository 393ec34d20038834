// Benchmark 1, Slack acknowledgement: signed `/reset-passcode @felix` commands and reset-form
// submissions against Latchkey, a bare Bolt app and plain node:http, at a fixed rate (ack latency)
// and at saturation (throughput). Runs alternate between the targets so drift on the machine hits
// them alike; the fake Slack API is drained and emptied between runs.
import type { FakeSlackProcess } from "./lib/fake-slack.ts";
import { type FixedRateResult, fixedRate } from "./lib/fixed-rate.ts";
import { expectAck, probeLatchkey } from "./lib/probe.ts";
import { type Memory, memoryOf, type Target } from "./lib/processes.ts";
import { type SaturateResult, saturate } from "./lib/saturate.ts";
import {
  commandBody,
  type FormView,
  type PayloadKind,
  sign,
  signedPool,
  submissionBody,
} from "./lib/slack-payloads.ts";
import { startTarget, TARGETS, type TargetName } from "./lib/targets.ts";
import type { Settings } from "./settings.ts";

export const PAYLOADS: PayloadKind[] = ["command", "submission"];

export interface AckResult {
  target: TargetName;
  kind: PayloadKind;
  fixed: FixedRateResult[];
  saturation: SaturateResult[];
  /** Latchkey commands: ms after a saturation run until the modal work behind its acks was done. */
  drainMs: number[];
  /**
   * Latchkey commands, per run: acks answered and reset forms opened (`views.open`); the rest
   * were told in their ack that Latchkey is busy (the form queue is bounded), fixed rate first.
   */
  forms: { phase: "fixed" | "saturation"; acked: number; opened: number }[];
}

export interface AckBenchmark {
  results: AckResult[];
  /** The reset form Latchkey filled, and the device submitted on it (the profiles reuse them). */
  submission: { form: FormView; deviceId: string };
  memory: Record<TargetName, { idle: Memory; afterLoad: Memory }>;
}

export async function runAckBenchmark(
  s: Settings,
  fake: FakeSlackProcess,
  log: (line: string) => void,
): Promise<AckBenchmark> {
  const started: Target[] = [];
  try {
    const targets = new Map<TargetName, Target>();
    for (const name of TARGETS) {
      const target = await startTarget(name, { slackApiUrl: fake.apiUrl });
      started.push(target);
      targets.set(name, target);
    }
    const get = (name: TargetName) => targets.get(name) as Target;
    await new Promise((ok) => setTimeout(ok, s.idleMs));
    const idle = new Map(TARGETS.map((n) => [n, memoryOf(get(n).child.pid)]));

    const { form, deviceId } = await probeLatchkey(get("Latchkey"), fake);
    const makeBody: Record<PayloadKind, () => string> = {
      command: () => commandBody(fake.url),
      submission: () => submissionBody(form, deviceId),
    };
    for (const name of TARGETS.slice(1)) {
      for (const kind of PAYLOADS) await expectAck(get(name), sign(makeBody[kind]()), null);
    }

    const results: AckResult[] = [];
    const afterLoad = new Map<TargetName, Memory>();
    for (const kind of PAYLOADS) {
      results.push(...(await measurePayload(s, fake, get, kind, makeBody[kind], afterLoad, log)));
    }
    const memory = Object.fromEntries(
      TARGETS.map((n) => [n, { idle: idle.get(n) as Memory, afterLoad: afterLoad.get(n) as Memory }]),
    ) as AckBenchmark["memory"];
    return { results, memory, submission: { form, deviceId } };
  } finally {
    for (const target of started) await target.stop();
  }
}

/**
 * One payload against every target: warm-up, the fixed-rate runs, then the saturation runs, each
 * run alternating between targets. `afterLoad` gets each target's memory after its latest run.
 */
async function measurePayload(
  s: Settings,
  fake: FakeSlackProcess,
  get: (name: TargetName) => Target,
  kind: PayloadKind,
  makeBody: () => string,
  afterLoad: Map<TargetName, Memory>,
  log: (line: string) => void,
): Promise<AckResult[]> {
  const pool = (size: number) => signedPool(size, makeBody, kind === "command");
  const rows = new Map(
    TARGETS.map((target): [TargetName, AckResult] => [
      target,
      { target, kind, fixed: [], saturation: [], drainMs: [], forms: [] },
    ]),
  );
  const row = (name: TargetName) => rows.get(name) as AckResult;
  const url = (name: TargetName) => `${get(name).url}/slack/events`;
  // The warm-up also tells how many bodies a saturation run will take.
  const estimate = new Map<TargetName, number>();
  for (const name of s.warmupSec > 0 ? TARGETS : []) {
    const next = pool(3000 * s.warmupSec).next;
    const warm = await saturate({
      url: url(name),
      durationSec: s.warmupSec,
      connections: s.connections,
      next,
    });
    estimate.set(name, warm.throughput);
    await settle(fake);
  }
  for (let run = 1; run <= s.runs; run++) {
    for (const name of TARGETS) {
      log(`ack ${kind} ${name}: ${s.rate}/s for ${s.fixedSec}s (run ${run}/${s.runs})`);
      const next = pool(s.rate * s.fixedSec + 10).next;
      const fixed = await fixedRate({ url: url(name), rate: s.rate, durationMs: s.fixedSec * 1000, next });
      row(name).fixed.push(fixed);
      const { opened } = await settle(fake);
      if (name === "Latchkey" && kind === "command") {
        row(name).forms.push({ phase: "fixed", acked: fixed.latenciesMs.length, opened });
      }
    }
  }
  for (let run = 1; run <= s.runs; run++) {
    for (const name of TARGETS) {
      log(`ack ${kind} ${name}: saturation for ${s.saturateSec}s (run ${run}/${s.runs})`);
      const next = pool(Math.min(40_000, Math.ceil((estimate.get(name) ?? 3000) * s.saturateSec * 1.3))).next;
      const saturated = await saturate({
        url: url(name),
        durationSec: s.saturateSec,
        connections: s.connections,
        next,
      });
      row(name).saturation.push(saturated);
      afterLoad.set(name, memoryOf(get(name).child.pid));
      const ended = Date.now();
      const { lastCall, opened } = await settle(fake);
      if (name === "Latchkey" && kind === "command") {
        row(name).drainMs.push(Math.max(0, lastCall - ended));
        row(name).forms.push({ phase: "saturation", acked: saturated.answered, opened });
      }
    }
  }
  return [...rows.values()];
}

/**
 * Waits for the work behind the acks (modals via the fake API) to finish, then empties the fake;
 * returns when the last Web API call came, and how many modals were opened.
 */
async function settle(fake: FakeSlackProcess): Promise<{ lastCall: number; opened: number }> {
  const lastCall = await fake.settle();
  const { counts } = await fake.counts();
  await fake.reset();
  return { lastCall, opened: counts["views.open"] ?? 0 };
}
