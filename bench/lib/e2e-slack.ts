// The fake Slack Web API for benchmark 3, in a process of its own (its work must not stall the
// benchmark's clock), driven over IPC. Besides what the fake keeps, it hands back every message
// call (chat.postMessage / chat.update) with its channel, time and the request it was about, so the
// benchmark can count calls per reset, find when Slack showed each request as locked, and measure
// the busiest channel's message rate.
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { startFakeSlack } from "../../test/fakes/fake-slack-api.ts";

export interface MessageCall {
  method: "chat.postMessage" | "chat.update";
  channel: string;
  /** ms since the epoch. */
  at: number;
  requestId: string | null;
  /** The message says the device is locked (a "Locked" milestone, or a status showing Locked or later). */
  locked: boolean;
  threadReply: boolean;
}

export interface SlackSummary {
  counts: Record<string, number>;
  errors: number;
  lastCallAt: number;
  messageCalls: MessageCall[];
}

type Request = { type: "last" } | { type: "summary" } | { type: "lastModal" } | { type: "reset" };
type Reply =
  | { type: "ready"; url: string; apiUrl: string }
  | { type: "last"; calls: number; lastCallAt: number }
  | { type: "summary"; summary: SlackSummary }
  | { type: "lastModal"; view: unknown }
  | { type: "reset" };

export const E2E_ADMIN = { id: "UADA", name: "ada", email: "ada.admin@example.com" };

const REQUEST_ID = /\brq_[A-Za-z0-9_-]+/;
const SHOWS_LOCKED = /Locked|Completed/;

async function child(): Promise<void> {
  const fake = await startFakeSlack({
    teamId: "T0BENCH",
    users: [{ id: E2E_ADMIN.id, name: E2E_ADMIN.name, realName: "Ada Admin", email: E2E_ADMIN.email }],
  });
  const send = (reply: Reply) => process.send?.(reply);
  process.on("message", (msg: Request) => {
    if (msg.type === "reset") {
      fake.reset();
      send({ type: "reset" });
    } else if (msg.type === "last") {
      send({ type: "last", calls: fake.calls.length, lastCallAt: fake.calls.at(-1)?.at.getTime() ?? 0 });
    } else if (msg.type === "lastModal") {
      send({ type: "lastModal", view: fake.lastModal() });
    } else {
      send({ type: "summary", summary: summarize() });
    }
  });
  process.on("disconnect", () => void fake.close().then(() => process.exit(0)));
  send({ type: "ready", url: fake.url, apiUrl: fake.apiUrl });

  function summarize(): SlackSummary {
    const counts: Record<string, number> = {};
    let errors = 0;
    // A status message names its request in its blocks; its thread replies and edits point at it by ts.
    const rootOf = new Map<string, string>();
    for (const m of fake.allMessages()) {
      const id = m.thread_ts ? null : REQUEST_ID.exec(JSON.stringify(m.blocks))?.[0];
      if (id) rootOf.set(`${m.channel}|${m.ts}`, id);
    }
    const messageCalls: MessageCall[] = [];
    for (const call of fake.calls) {
      counts[call.method] = (counts[call.method] ?? 0) + 1;
      if (call.error) errors++;
      if (call.method !== "chat.postMessage" && call.method !== "chat.update") continue;
      if (call.error) continue;
      const channel = String(call.args.channel ?? "");
      const thread = typeof call.args.thread_ts === "string" ? call.args.thread_ts : null;
      const text = String(call.args.text ?? "");
      const own = REQUEST_ID.exec(`${text} ${JSON.stringify(call.args.blocks ?? [])}`)?.[0] ?? null;
      const viaTs = thread ?? (call.method === "chat.update" ? String(call.args.ts ?? "") : "");
      messageCalls.push({
        method: call.method,
        channel,
        at: call.at.getTime(),
        requestId: own ?? rootOf.get(`${channel}|${viaTs}`) ?? null,
        locked: SHOWS_LOCKED.test(text),
        threadReply: thread !== null,
      });
    }
    return { counts, errors, lastCallAt: fake.calls.at(-1)?.at.getTime() ?? 0, messageCalls };
  }
}

export interface E2eSlack {
  url: string;
  apiUrl: string;
  summary(): Promise<SlackSummary>;
  /** How many Web API calls so far, and when the last one came (ms since the epoch). */
  last(): Promise<{ calls: number; lastCallAt: number }>;
  /** The modal Latchkey showed last (the loading view aside). */
  lastModal(): Promise<unknown>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the fake in a child process (this same file). */
export async function startE2eSlack(): Promise<E2eSlack> {
  const proc = fork(fileURLToPath(import.meta.url), ["--e2e-slack-child"], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const waiting: ((reply: Reply) => void)[] = [];
  proc.on("message", (reply: Reply) => waiting.shift()?.(reply));
  const next = () => new Promise<Reply>((ok) => waiting.push(ok));
  const ready = await Promise.race([
    next(),
    once(proc, "exit").then(() => {
      throw new Error("the fake Slack API process exited before it was ready");
    }),
  ]);
  if (ready.type !== "ready") throw new Error(`fake Slack API: unexpected ${ready.type}`);
  const ask = async <T extends Reply["type"]>(req: Request): Promise<Extract<Reply, { type: T }>> => {
    const reply = next();
    proc.send(req);
    return (await reply) as Extract<Reply, { type: T }>;
  };
  return {
    url: ready.url,
    apiUrl: ready.apiUrl,
    summary: async () => (await ask<"summary">({ type: "summary" })).summary,
    last: async () => {
      const { calls, lastCallAt } = await ask<"last">({ type: "last" });
      return { calls, lastCallAt };
    },
    lastModal: async () => (await ask<"lastModal">({ type: "lastModal" })).view,
    reset: async () => void (await ask<"reset">({ type: "reset" })),
    async close() {
      const exited = once(proc, "exit");
      proc.disconnect();
      await exited;
    },
  };
}

if (process.argv.includes("--e2e-slack-child")) await child();
