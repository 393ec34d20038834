// Latchkey on its embedded defaults (SQLite, simulated phones, mail outbox) with Slack pointed at
// the fake Slack Web API, plus a client that sends correctly signed Slack requests to it. The
// demo inventory's people are Slack users of the fake workspace.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { simpleParser } from "mailparser";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { type Running, type StartOptions, startLatchkey } from "../../src/compose.ts";
import { loadConfig } from "../../src/config.ts";
import {
  type FakeSlack,
  type FakeSlackOptions,
  type FakeSlackUser,
  startFakeSlack,
} from "../fakes/fake-slack-api.ts";
import { createSlackClient, type SlackClient } from "./slack-requests.ts";

export const SIGNING_SECRET = "test-signing-secret";
export const SECURITY_CHANNEL = "C0SECURITY";

/** Slack users of the fake workspace: the demo inventory's people, and a few who are not in it. */
export const SLACK_USERS: FakeSlackUser[] = [
  { id: "UADA", name: "ada", realName: "Ada Admin", email: "ada.admin@example.com" },
  { id: "USAM", name: "sam", realName: "Sam Security", email: "sam.security@example.com" },
  { id: "UERIN", name: "erin", realName: "Erin Engineer", email: "erin.engineer@example.com" },
  { id: "UFELIX", name: "felix", realName: "Felix Field", email: "felix.field@example.com" },
  { id: "UOMAR", name: "omar", realName: "Omar Ops", email: "omar.ops@example.com" },
  { id: "UPRIYA", name: "priya", realName: "Priya Product", email: "priya.product@example.com" },
  { id: "UMIA", name: "mia", realName: "Mia Marketing", email: "mia.marketing@example.com" },
  { id: "ULEO", name: "leo", realName: "Leo Legal", email: "leo.legal@example.com" },
  { id: "UGUEST", name: "guest", realName: "Guest Without Email" },
  { id: "USTRANGER", name: "stranger", realName: "Not In Inventory", email: "stranger@elsewhere.example" },
  { id: "UBOT", name: "somebot", realName: "Some Bot", email: "bot@example.com", isBot: true },
];

export interface SlackHarness {
  fake: FakeSlack;
  running: Running;
  slack: SlackClient;
  dir: string;
  logs: string[];
  /** Every email in the outbox, parsed. */
  outbox(): Promise<{ to: string; subject: string; text: string }[]>;
  stop(): Promise<void>;
}

export async function startSlackHarness(
  env: Record<string, string> = {},
  opts: StartOptions = {},
  fakeOptions: Omit<FakeSlackOptions, "users"> = {},
): Promise<SlackHarness> {
  const fake = await startFakeSlack({ users: SLACK_USERS, ...fakeOptions });
  const dir = mkdtempSync(join(tmpdir(), "latchkey-slack-"));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const config = loadConfig({
    DATA_DIR: dir,
    PORT: "0",
    HOST: "127.0.0.1",
    SIMULATOR_DELAY: "20ms",
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_SECURITY_CHANNEL: SECURITY_CHANNEL,
    ...env,
  });
  const running = await startLatchkey(config, createLogger("trace", sink), {
    slack: {
      postIntervalMs: 0,
      updateIntervalMs: 0,
      retries: { retries: 2, minTimeout: 10, maxTimeout: 50 },
      ...opts.slack,
    },
  });
  const slack = createSlackClient({ baseUrl: running.url, signingSecret: SIGNING_SECRET, fake });
  return {
    fake,
    running,
    slack,
    dir,
    logs,
    async outbox() {
      const folder = join(dir, "outbox");
      const files = readdirSync(folder, { withFileTypes: true }).filter((f) => f.name.endsWith(".eml"));
      const mails = [];
      for (const f of files) {
        const m = await simpleParser(readFileSync(join(folder, f.name)));
        const to = Array.isArray(m.to) ? (m.to[0]?.text ?? "") : (m.to?.text ?? "");
        mails.push({ to, subject: m.subject ?? "", text: m.text ?? "" });
      }
      return mails;
    },
    async stop() {
      await running.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
