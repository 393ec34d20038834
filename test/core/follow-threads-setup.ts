// Set-up shared by the chat-thread tests (follow-threads*.test.ts): a recording fake of the
// ChatTimeline port (it can fail or stall on demand), the seeded inventory, and short ways to start a
// reset, drive the device through its steps and read a request's events and threads.
import type { Engine } from "../../src/core/engine.ts";
import type { ChatTimeline, ThreadView } from "../../src/core/ports.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import type {
  ChatSurface,
  ChatThread,
  RequestState,
  ThreadTarget,
  TimelineEvent,
} from "../../src/core/types.ts";
import { deviceInput, people, type TestEngine } from "../support/test-engine.ts";

type Method = "postStatus" | "updateStatus" | "postMilestones";

interface TimelineCall {
  method: Method;
  threadId: string;
  conversation: string;
  messageId: string | null;
  state: RequestState;
  outcome: string | null;
  cancellable: boolean;
  eventIds: number[];
  eventTypes: string[];
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A chat platform that records what it was asked to show; it can fail or stall on demand. */
export class RecordingTimeline implements ChatTimeline {
  /** Calls that succeeded: what people in the chat actually see. */
  calls: TimelineCall[] = [];
  failedCalls: TimelineCall[] = [];
  private failing: { left: number; only?: Method } = { left: 0 };
  private gates = new Map<Method, { entered: () => void; released: Promise<void> }>();
  private posted = 0;

  constructor(
    readonly surface: ChatSurface,
    /** Where a status message lands for a conversation (e.g. a user id resolves to a DM channel). */
    private resolve: (conversation: string) => string = (c) => c,
  ) {}

  /** The next `count` calls (of `only` that method, if given) throw. */
  failNext(count: number, only?: Method) {
    this.failing = { left: count, ...(only ? { only } : {}) };
  }

  /** The next call of `method` waits until released; `entered` resolves once it is waiting. */
  hold(method: Method): { entered: Promise<void>; release: () => void } {
    const entered = deferred();
    const released = deferred();
    this.gates.set(method, { entered: entered.resolve, released: released.promise });
    return { entered: entered.promise, release: released.resolve };
  }

  async postStatus(view: ThreadView) {
    await this.call("postStatus", view, []);
    this.posted += 1;
    return { messageId: `ts-${this.posted}`, conversation: this.resolve(view.thread.conversation) };
  }

  async updateStatus(view: ThreadView) {
    await this.call("updateStatus", view, []);
  }

  async postMilestones(view: ThreadView, events: TimelineEvent[]) {
    await this.call("postMilestones", view, events);
  }

  private async call(method: Method, view: ThreadView, events: TimelineEvent[]) {
    const gate = this.gates.get(method);
    if (gate) {
      this.gates.delete(method);
      gate.entered();
      await gate.released;
    }
    const record: TimelineCall = {
      method,
      threadId: view.thread.id,
      conversation: view.thread.conversation,
      messageId: view.thread.messageId,
      state: view.request.state,
      outcome: view.request.outcome,
      cancellable: view.cancellable,
      eventIds: events.map((e) => e.id),
      eventTypes: events.map((e) => e.type),
    };
    const { left, only } = this.failing;
    if (left > 0 && (!only || only === method)) {
      this.failing.left -= 1;
      this.failedCalls.push(record);
      throw new Error("chat API unavailable");
    }
    this.calls.push(record);
  }

  /** Milestone event ids shown in one thread, in the order they were posted. */
  shownEventIds(threadId: string): number[] {
    return this.calls
      .filter((c) => c.method === "postMilestones" && c.threadId === threadId)
      .flatMap((c) => c.eventIds);
  }

  /** The states the status message of one thread showed, in order (post, then each update). */
  statusStates(threadId: string): RequestState[] {
    return this.calls
      .filter((c) => c.method !== "postMilestones" && c.threadId === threadId)
      .map((c) => c.state);
  }

  statusPosts(threadId: string): TimelineCall[] {
    return this.calls.filter((c) => c.method === "postStatus" && c.threadId === threadId);
  }
}

export const REQUESTER: ThreadTarget = { surface: "slack", purpose: "requester", conversation: "C1" };

export async function seed({ engine }: TestEngine) {
  await engine.stores.directory.upsertInventory(people, [
    deviceInput(),
    deviceInput({
      id: "iphone",
      name: "Alice's iPhone",
      platform: "ios",
      osVersion: "17.4",
      managementMode: "mdm",
    }),
  ]);
}

export async function start(engine: Engine, threads: ThreadTarget[] = [REQUESTER], deviceId = "dev-001") {
  const r = await startReset(engine, {
    actorEmail: "ada@example.com",
    deviceId,
    notifyUser: false,
    surface: "slack",
    threads,
  });
  return r;
}

export async function started(engine: Engine, threads: ThreadTarget[] = [REQUESTER]): Promise<string> {
  const r = await start(engine, threads);
  if (r.status !== "started") throw new Error(`expected started, got ${r.status}`);
  return r.request.id;
}

async function device(engine: Engine, id = "dev-001") {
  const d = await engine.stores.directory.device(id);
  if (!d) throw new Error(`device ${id} missing`);
  return d;
}

/** The device picks the command up ("received"). */
export async function pickUp(engine: Engine) {
  const command = await fetchPendingCommand(engine, await device(engine));
  if (!command) throw new Error("no command for the device");
}

export async function step(engine: Engine, requestId: string, s: "passcode_reset" | "locked") {
  const r = await reportDeviceStep(engine, await device(engine), requestId, { step: s });
  if (!r.ok) throw new Error(`step ${s} refused: ${r.message}`);
}

/** The rest of a reset after the push: received, passcode_reset, locked -> delivered -> completed. */
export const DEVICE_STEPS: ((engine: Engine, id: string) => Promise<void>)[] = [
  (e) => pickUp(e),
  (e, id) => step(e, id, "passcode_reset"),
  (e, id) => step(e, id, "locked"),
];

export async function eventIds(engine: Engine, requestId: string): Promise<number[]> {
  return (await engine.stores.requests.events(requestId)).map((e) => e.id);
}

export async function thread(engine: Engine, requestId: string, purpose = "requester"): Promise<ChatThread> {
  const found = (await engine.stores.threads.forRequest(requestId)).find((t) => t.purpose === purpose);
  if (!found) throw new Error(`no ${purpose} thread`);
  return found;
}
