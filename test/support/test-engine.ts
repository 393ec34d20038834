// An engine on a real database with working fakes for the outside world: a push channel and a
// passcode sender that record what they were given, a clock the test moves, a logger that
// keeps every line. Nothing of ours is mocked.

import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { afterEach, beforeEach } from "vitest";
import type { Database } from "../../src/adapters/db/open-database.ts";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { createStores } from "../../src/adapters/db/stores.ts";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { cryptoRandom } from "../../src/adapters/system.ts";
import { DEFAULT_SETTINGS, type Engine, type EngineSettings } from "../../src/core/engine.ts";
import type {
  DeviceInput,
  PasscodeLetter,
  PasscodeSender,
  PersonInput,
  PushChannel,
  PushMessage,
  PushResult,
} from "../../src/core/ports.ts";
import { createSecretBox } from "../../src/core/secrets.ts";
import type { Device, Person } from "../../src/core/types.ts";
import type { DbTarget } from "./databases.ts";
import { MANAGED_ANDROID } from "./sample-device.ts";

export class FakeClock {
  constructor(public current = new Date("2026-11-27T10:00:00Z")) {}
  now = () => new Date(this.current);
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class RecordingPush implements PushChannel {
  sent: { device: Device; message: PushMessage; raw: string }[] = [];
  next: PushResult[] = [];
  /** Runs while a push is on its way, before the push service answers (a phone that is quick). */
  whileSending: ((device: Device) => Promise<void>) | null = null;
  async send(device: Device, message: PushMessage): Promise<PushResult> {
    this.sent.push({ device, message, raw: JSON.stringify(message) });
    const during = this.whileSending;
    if (during) await during(device);
    return this.next.shift() ?? { ok: true };
  }
}

/** Records letters. As a chat channel it returns a message ref and records redactions, like a DM sender. */
export class RecordingSender implements PasscodeSender {
  letters: PasscodeLetter[] = [];
  failures: Error[] = [];
  redactions: { ref: string; sentAt: Date }[] = [];
  redactFailures: Error[] = [];
  constructor(
    readonly channel: PasscodeSender["channel"] = "email",
    readonly surface?: PasscodeSender["surface"],
  ) {}
  async reaches(person: Person) {
    return person.email.length > 0;
  }
  async send(letter: PasscodeLetter) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.letters.push(letter);
    return this.channel === "email" ? undefined : { ref: `msg-${this.letters.length}` };
  }
  async redact(ref: string, note: { sentAt: Date }) {
    const failure = this.redactFailures.shift();
    if (failure) throw failure;
    this.redactions.push({ ref, sentAt: note.sentAt });
  }
}

export interface TestEngine {
  engine: Engine;
  database: Database;
  clock: FakeClock;
  push: RecordingPush;
  sender: RecordingSender;
  logs: string[];
  close(): Promise<void>;
}

export async function testEngine(url: string, settings: Partial<EngineSettings> = {}): Promise<TestEngine> {
  const database = await openDatabase(url);
  const clock = new FakeClock();
  const push = new RecordingPush();
  const sender = new RecordingSender();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const engine: Engine = {
    stores: createStores(database, clock),
    push,
    pushChannelName: "the test push channel",
    senders: [sender],
    backends: {}, // an MDM test sets engine.backends.intune (test/core/intune-reset.test.ts)
    secrets: createSecretBox(randomBytes(32)),
    clock,
    random: cryptoRandom,
    log: createLogger("trace", sink),
    settings: { ...DEFAULT_SETTINGS, ...settings },
    admins: new Set(["root@example.com"]),
    observers: [],
    timelines: [],
  };
  return { engine, database, clock, push, sender, logs, close: () => database.close() };
}

/**
 * A fresh database and engine for every test of the enclosing describe block: `seed` fills it
 * before each test, and the engine is closed and the database dropped after. Returns a getter
 * for the current test's engine.
 */
export function useTestEngine(
  target: DbTarget,
  opts: { settings?: Partial<EngineSettings>; seed?: (t: TestEngine) => Promise<unknown> } = {},
): () => TestEngine {
  let current: TestEngine | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const db = await target.fresh();
    drop = db.drop;
    current = await testEngine(db.url, opts.settings);
    await opts.seed?.(current);
  });
  afterEach(async () => {
    await current?.close();
    await drop?.();
    current = undefined;
    drop = undefined;
  });
  return () => {
    if (!current) throw new Error("useTestEngine: no engine outside a test");
    return current;
  };
}

export const people: PersonInput[] = [
  { email: "ada@example.com", name: "Ada Admin", role: "admin" },
  { email: "alice@example.com", name: "Alice Ng" },
  { email: "bob@example.com", name: "Bob Roe" },
];

export function deviceInput(overrides: Partial<DeviceInput> = {}): DeviceInput {
  return {
    id: "dev-001",
    ownerEmail: "alice@example.com",
    name: "Alice's Pixel 8",
    ...MANAGED_ANDROID,
    lastSeenAt: new Date("2026-11-27T09:00:00Z"),
    ...overrides,
  };
}
