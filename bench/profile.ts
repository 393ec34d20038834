// Where each target's CPU goes per acknowledged request: each target is started once under
// `node --cpu-prof`, then for each payload warmed up and saturated; only the samples of each
// measured window are read, and every bucket is divided by the requests answered in it.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyseProfile, type Breakdown } from "./lib/cpu-profile.ts";
import type { FakeSlackProcess } from "./lib/fake-slack.ts";
import { saturate } from "./lib/saturate.ts";
import {
  commandBody,
  type FormView,
  type PayloadKind,
  signedPool,
  submissionBody,
} from "./lib/slack-payloads.ts";
import { startTarget, TARGETS, type TargetName } from "./lib/targets.ts";
import type { Settings } from "./settings.ts";

export interface ProfileResult {
  target: TargetName;
  kind: PayloadKind;
  requests: number;
  breakdown: Breakdown;
}

interface Window {
  kind: PayloadKind;
  fromUs: number;
  toUs: number;
  requests: number;
}

export async function runProfiles(
  s: Settings,
  fake: FakeSlackProcess,
  submission: { form: FormView; deviceId: string },
  log: (line: string) => void,
  /** Keep the .cpuprofile files here (to open in Chrome DevTools) rather than deleting them. */
  keepIn?: string,
): Promise<ProfileResult[]> {
  const makeBody: Record<PayloadKind, () => string> = {
    command: () => commandBody(fake.url),
    submission: () => submissionBody(submission.form, submission.deviceId),
  };
  const out: ProfileResult[] = [];
  for (const name of TARGETS) {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-cpuprof-"));
    try {
      const windows: Window[] = [];
      const target = await startTarget(name, {
        slackApiUrl: fake.apiUrl,
        nodeArgs: ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-interval", "250"],
      });
      try {
        for (const kind of ["command", "submission"] as PayloadKind[]) {
          log(`profile ${name} ${kind}: ${s.profileSec}s at saturation`);
          const load = (sec: number) =>
            saturate({
              url: `${target.url}/slack/events`,
              durationSec: sec,
              connections: s.connections,
              next: signedPool(Math.ceil(3000 * sec), makeBody[kind], kind === "command").next,
            });
          if (s.warmupSec > 0) {
            await load(s.warmupSec);
            await fake.settle();
          }
          // The window runs until the work behind the acks (modals) is done, so it is counted too.
          const fromUs = nowUs();
          const measured = await load(s.profileSec);
          await fake.settle();
          windows.push({ kind, fromUs, toUs: nowUs(), requests: measured.throughput * s.profileSec });
          await fake.reset();
        }
      } finally {
        await target.stop();
      }
      const [file] = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
      if (!file) throw new Error(`${name} wrote no CPU profile`);
      for (const w of windows) {
        out.push({
          target: name,
          kind: w.kind,
          requests: w.requests,
          breakdown: analyseProfile(join(dir, file), w),
        });
      }
      if (keepIn) {
        mkdirSync(keepIn, { recursive: true });
        copyFileSync(join(dir, file), join(keepIn, `${name.replace(/\W+/g, "-")}.cpuprofile`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
