// A fleet of device agents speaking the device API (v1) like a real phone: enrolled with a
// one-time code, woken by a push that the fake FCM server received, then fetching the command
// and reporting each step. Behind a "load balancer": every call goes to the next replica in
// turn, and a replica that does not answer is skipped, so reports land on any process.
import type { FakeFcmServer } from "../../fakes/fake-fcm-server.ts";

export interface AgentEndpoints {
  /** Base URLs of the replicas currently in rotation. */
  urls(): string[];
}

export interface AgentRecord {
  deviceId: string;
  /** Every command handed out, by request id. */
  passcodes: Map<string, string>;
  /** Pushes that woke this agent, by request id. */
  pushes: Map<string, number>;
  /** Replica URL that answered each call. */
  calls: { what: string; url: string; status: number }[];
}

export interface Fleet {
  agents: Map<string, AgentRecord>;
  secrets: Map<string, string>;
  /** Pushes at the FCM endpoint, by push token (= device) and request. */
  pushCount(deviceId: string, requestId: string): number;
  enroll(deviceId: string, code: string): Promise<void>;
  /** Requests the fleet is working on. */
  busy(): number;
  /** Pushes to this device are recorded but not acted on until `release` (a phone that is off). */
  hold(deviceId: string): void;
  release(deviceId: string): void;
  /** The agent checks in on its own (its periodic poll, no push): fetches and runs any command. */
  checkIn(deviceId: string): Promise<void>;
  stop(): void;
}

export function tokenFor(deviceId: string): string {
  return `fcm-token-${deviceId}`;
}

export function startFleet(
  fcm: FakeFcmServer,
  endpoints: AgentEndpoints,
  opts: {
    stepDelayMs?: number;
    fail?: (deviceId: string) => string | null;
    duplicate?: boolean;
    /** True for a recorded push that FCM answered with an error (it never reached a phone). */
    failed?: () => boolean;
  } = {},
): Fleet {
  const agents = new Map<string, AgentRecord>();
  const secrets = new Map<string, string>();
  const byToken = new Map<string, string>();
  let rr = 0;
  let seen = 0;
  let working = 0;
  let stopped = false;
  const held = new Set<string>();

  async function call(
    what: string,
    record: AgentRecord | null,
    path: string,
    init: RequestInit,
    accept: (status: number) => boolean,
  ): Promise<Response> {
    let lastErr: unknown = null;
    for (let attempt = 0; attempt < 60 && !stopped; attempt++) {
      const urls = endpoints.urls();
      const url = urls[rr++ % Math.max(1, urls.length)];
      if (!url) throw new Error("no replica in rotation");
      try {
        const res = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
        record?.calls.push({ what, url, status: res.status });
        if (accept(res.status)) return res;
        lastErr = new Error(`${what}: ${res.status} ${await res.text()}`);
        if (res.status < 500 && res.status !== 429) throw lastErr;
      } catch (err) {
        lastErr = err;
        if (err instanceof Error && /: 4\d\d /.test(err.message) && !/: 429 /.test(err.message)) throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw lastErr ?? new Error(`${what}: stopped`);
  }

  /**
   * With `duplicate`, the same call goes to two replicas at once, as an agent (or a proxy) that
   * timed out and retried elsewhere would: the answer of the first accepted one is used.
   */
  async function twice(
    what: string,
    record: AgentRecord,
    path: string,
    init: RequestInit,
    accept: (status: number) => boolean,
  ): Promise<Response> {
    if (!opts.duplicate) return call(what, record, path, init, accept);
    const both = [
      call(what, record, path, init, accept),
      call(`${what} (duplicate)`, record, path, init, accept),
    ];
    const settled = await Promise.allSettled(both);
    for (const s of settled) if (s.status === "fulfilled") return s.value;
    throw (settled[0] as PromiseRejectedResult).reason;
  }

  async function work(deviceId: string): Promise<void> {
    const record = agents.get(deviceId);
    const secret = secrets.get(deviceId);
    if (!record || !secret) return;
    const auth = { authorization: `Bearer ${secret}`, "content-type": "application/json" };
    const res = await twice(
      "next",
      record,
      "/device/v1/commands/next",
      { headers: auth },
      (s) => s === 200 || s === 204,
    );
    if (res.status === 204) return;
    const { command } = (await res.json()) as {
      command: { requestId: string; type: string; passcode?: string };
    };
    if (command.passcode) record.passcodes.set(command.requestId, command.passcode);
    const failure = opts.fail?.(deviceId) ?? null;
    const steps = failure
      ? [{ step: "failed", reason: failure }]
      : [{ step: "passcode_reset" }, { step: "locked" }];
    for (const body of steps) {
      if (opts.stepDelayMs) await new Promise((r) => setTimeout(r, opts.stepDelayMs));
      await twice(
        body.step,
        record,
        `/device/v1/commands/${encodeURIComponent(command.requestId)}/reports`,
        { method: "POST", headers: auth, body: JSON.stringify(body) },
        (s) => s === 200,
      );
    }
  }

  const timer = setInterval(() => {
    while (seen < fcm.requests.length) {
      const req = fcm.requests[seen++];
      const message = (req?.body as { message?: { token?: string; data?: { requestId?: string } } } | null)
        ?.message;
      const deviceId = byToken.get(message?.token ?? "");
      const requestId = message?.data?.requestId;
      if (!deviceId || !requestId || opts.failed?.()) continue;
      const record = agents.get(deviceId);
      if (record) record.pushes.set(requestId, (record.pushes.get(requestId) ?? 0) + 1);
      if (held.has(deviceId)) continue;
      working++;
      work(deviceId)
        .catch((err: unknown) => {
          record?.calls.push({ what: `error ${String(err)}`, url: "", status: 0 });
        })
        .finally(() => {
          working--;
        });
    }
  }, 25);

  return {
    agents,
    secrets,
    pushCount(deviceId, requestId) {
      return agents.get(deviceId)?.pushes.get(requestId) ?? 0;
    },
    async enroll(deviceId, code) {
      const record: AgentRecord = { deviceId, passcodes: new Map(), pushes: new Map(), calls: [] };
      agents.set(deviceId, record);
      byToken.set(tokenFor(deviceId), deviceId);
      const res = await call(
        "enroll",
        record,
        "/device/v1/enroll",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ deviceId, enrollmentCode: code, pushToken: tokenFor(deviceId) }),
        },
        (s) => s === 201,
      );
      const { deviceSecret } = (await res.json()) as { deviceSecret: string };
      secrets.set(deviceId, deviceSecret);
    },
    busy: () => working,
    hold: (deviceId) => void held.add(deviceId),
    release: (deviceId) => void held.delete(deviceId),
    checkIn: (deviceId) => work(deviceId),
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
