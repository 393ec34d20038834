// The two bots benchmark 2 compares, each a child process on loopback: Latchkey (`src/main.ts` on
// its embedded defaults with the demo inventory, Teams in local mode, Slack off) and the stock
// CloudAdapter bot of bench/targets/bare-teams.ts. Both answer on POST /api/messages.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launch, type Target } from "./processes.ts";

export type TeamsTargetName = "Latchkey" | "bare CloudAdapter";
export const TEAMS_TARGETS: TeamsTargetName[] = ["Latchkey", "bare CloudAdapter"];

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export async function startTeamsTarget(name: TeamsTargetName, nodeArgs: string[] = []): Promise<Target> {
  if (name === "bare CloudAdapter") {
    return launch({ name, script: root("bench/targets/bare-teams.ts"), nodeArgs, env: {} });
  }
  const dataDir = mkdtempSync(join(tmpdir(), "latchkey-bench-teams-"));
  const target = await launch({
    name,
    script: root("src/main.ts"),
    nodeArgs,
    env: { DATA_DIR: dataDir, LOG_LEVEL: "silent" },
  }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...target,
    async stop() {
      await target.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
