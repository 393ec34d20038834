// The benchmark's handle on the fake Slack Web API child (bench/targets/fake-slack.ts).
import { fork } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { FakeReply, FakeRequest } from "../targets/fake-slack.ts";

const SCRIPT = fileURLToPath(new URL("../targets/fake-slack.ts", import.meta.url));

export interface FakeSlackProcess {
  url: string;
  apiUrl: string;
  counts(): Promise<{ counts: Record<string, number>; errors: number; lastCallAt: number }>;
  /** The modal the target showed last (the loading view aside). */
  lastModal(): Promise<unknown>;
  reset(): Promise<void>;
  /**
   * Waits until no Web API call has arrived for a quiet spell (a target's work after its acks is
   * done); returns when the last call came (ms since the epoch, 0 for none).
   */
  settle(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** `quietMs`: how long without a Web API call counts as settled. */
export async function startFakeSlackProcess(quietMs = 300): Promise<FakeSlackProcess> {
  const child = fork(SCRIPT, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const waiting: ((reply: FakeReply) => void)[] = [];
  child.on("message", (reply: FakeReply) => waiting.shift()?.(reply));
  const next = () => new Promise<FakeReply>((ok) => waiting.push(ok));
  const ready = await Promise.race([
    next(),
    once(child, "exit").then(() => {
      throw new Error("the fake Slack API process exited before it was ready");
    }),
  ]);
  if (ready.type !== "ready") throw new Error(`fake Slack API: unexpected ${ready.type}`);
  const ask = <T extends FakeReply["type"]>(req: FakeRequest): Promise<Extract<FakeReply, { type: T }>> => {
    const reply = next();
    child.send(req);
    return reply as Promise<Extract<FakeReply, { type: T }>>;
  };
  const counts = async () => {
    const { counts, errors, lastCallAt } = await ask<"counts">({ type: "counts" });
    return { counts, errors, lastCallAt };
  };
  const total = async () => Object.values((await counts()).counts).reduce((a, b) => a + b, 0);
  return {
    url: ready.url,
    apiUrl: ready.apiUrl,
    counts,
    lastModal: async () => (await ask<"lastModal">({ type: "lastModal" })).view,
    reset: async () => void (await ask<"reset">({ type: "reset" })),
    async settle(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last = await total();
      while (Date.now() < deadline) {
        await sleep(quietMs);
        const now = await total();
        if (now === last) break;
        last = now;
      }
      return (await counts()).lastCallAt;
    },
    async close() {
      const exited = once(child, "exit");
      child.disconnect();
      await exited;
    },
  };
}
