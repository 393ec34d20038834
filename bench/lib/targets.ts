// The servers benchmark 1 compares, each started as a child process on loopback: Latchkey itself
// (`src/main.ts` on its embedded defaults, Slack pointed at the fake Web API), a stock Bolt app
// that only acks, the same app on Latchkey's HTTP receiver, and plain node:http.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launch, type Target } from "./processes.ts";
import { SIGNING_SECRET } from "./slack-payloads.ts";

export type TargetName = "Latchkey" | "bare Bolt" | "bare Bolt, our receiver" | "node:http";
export const TARGETS: TargetName[] = ["Latchkey", "bare Bolt", "bare Bolt, our receiver", "node:http"];
const SCRIPTS: Record<Exclude<TargetName, "Latchkey">, string> = {
  "bare Bolt": "bench/targets/bare-bolt.ts",
  "bare Bolt, our receiver": "bench/targets/lean-bolt.ts",
  "node:http": "bench/targets/plain-http.ts",
};

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export interface TargetOptions {
  slackApiUrl: string;
  nodeArgs?: string[];
  /** Latchkey only: its data folder (a new temporary one when left out, removed at stop). */
  dataDir?: string;
  env?: Record<string, string>;
}

export async function startTarget(name: TargetName, o: TargetOptions): Promise<Target> {
  if (name === "Latchkey") return startLatchkey(o);
  return launch({
    name,
    script: root(SCRIPTS[name]),
    nodeArgs: o.nodeArgs ?? [],
    env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: o.slackApiUrl, ...o.env },
  });
}

async function startLatchkey(o: TargetOptions): Promise<Target> {
  const own = o.dataDir === undefined;
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), "latchkey-bench-"));
  const target = await launch({
    name: "Latchkey",
    script: root("src/main.ts"),
    nodeArgs: o.nodeArgs ?? [],
    env: {
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      SLACK_BOT_TOKEN: "xoxb-bench-token",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: o.slackApiUrl,
      ...o.env,
    },
  }).catch((err: unknown) => {
    if (own) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...target,
    async stop() {
      await target.stop();
      if (own) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
