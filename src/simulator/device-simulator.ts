// Simulated phones for the embedded default. Each one behaves like a device agent: on a push it
// enrolls if needed, fetches its command from the device API over HTTP, applies it the way its
// platform allows, and reports each step. Their state survives restarts (a JSON file, 0600).
// The simulator only ever acts on phones it created: a device enrolled by anything else (a real
// agent) is never re-enrolled, woken or reported on.

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../core/ports.ts";
import type { Device } from "../core/types.ts";
import { privateDir } from "../private-files.ts";
import { hashPasscode, newPhone, type PhoneState, passcodeMatches, refusalFor } from "./simulated-phone.ts";

export interface SimulatorOptions {
  serverUrl: string;
  stateFile: string;
  delayMs: number;
  log: Logger;
  /** Looks a device up in the inventory (the phone's model, OS and enrollment mode). */
  device(id: string): Promise<Device | null>;
  /** Issues a one-time enrollment code, as an operator would for a real agent. */
  enrollmentCode(deviceId: string): Promise<string | null>;
  /** The inventory, for the check-in at start (every phone the simulator holds or may create). */
  devices?(): Promise<Device[]>;
}

/** Phones checking in at once at start: a large inventory enrolls a few at a time. */
const CHECK_IN_CONCURRENCY = 8;

interface Command {
  requestId: string;
  type: "reset_passcode_and_lock" | "lock";
  passcode?: string;
}

export type DeviceSimulator = ReturnType<typeof createDeviceSimulator>;

/** Pauses before each retry of a device API call (then the call fails for good). */
const CALL_RETRY_MS = [200, 500, 1000, 2000, 4000];

/** "fetch failed" says little: the network error under it (ECONNRESET, ECONNREFUSED…) says more. */
function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause ? String(cause.code ?? cause.message ?? "") : "";
  return detail ? `${err.message} (${detail})` : err.message;
}

export function createDeviceSimulator(opts: SimulatorOptions) {
  const phones = new Map<string, PhoneState>(load(opts.stateFile).map((p) => [p.deviceId, p]));
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let stopped = false;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  function writeNow(): void {
    privateDir(dirname(opts.stateFile));
    const tmp = `${opts.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify([...phones.values()]), { mode: 0o600 });
    renameSync(tmp, opts.stateFile);
  }

  // Phones that change in the same turn of the event loop share one write of the state file (it
  // holds every phone: one write per step of each phone was most of a busy simulator's work).
  // A phone reports a step only once the write that holds it has resolved.
  let pendingSave: Promise<void> | null = null;
  function save(): Promise<void> {
    pendingSave ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        pendingSave = null;
        try {
          writeNow();
          resolve();
        } catch (err) {
          reject(err);
        }
      }),
    );
    return pendingSave;
  }

  /**
   * One device API call, retried as an agent on a flaky network does: a connection that failed
   * (reset, refused, timed out) or a 5xx or 429 answer is tried again after a pause, a few times.
   * Without it a phone whose report was lost left its request waiting for its expiry, the phone's
   * passcode already changed (seen under load: a keep-alive socket closed as it was reused).
   */
  async function call(phone: PhoneState, method: string, path: string, body?: unknown): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const pause = CALL_RETRY_MS[attempt];
      try {
        const res = await fetch(`${opts.serverUrl}${path}`, {
          method,
          headers: {
            "content-type": "application/json",
            ...(phone.secret ? { authorization: `Bearer ${phone.secret}` } : {}),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        if ((res.status < 500 && res.status !== 429) || pause === undefined || stopped) return res;
        await res.body?.cancel();
      } catch (err) {
        if (pause === undefined || stopped) throw err;
        opts.log.debug(
          { deviceId: phone.deviceId, path, err: causeOf(err), retryInMs: pause },
          "simulated device retries a call",
        );
      }
      await sleep(pause);
    }
  }

  /** Only a device no agent holds may be enrolled: never take one over from its own agent. */
  async function enroll(phone: PhoneState): Promise<boolean> {
    const device = await opts.device(phone.deviceId);
    if (!device || device.enrolled) {
      if (device)
        opts.log.warn(
          { deviceId: phone.deviceId },
          "simulator leaves alone a device another agent enrolled (it does not hold its secret)",
        );
      return false;
    }
    const code = await opts.enrollmentCode(phone.deviceId);
    if (!code) return false;
    const res = await call(phone, "POST", "/device/v1/enroll", {
      deviceId: phone.deviceId,
      enrollmentCode: code,
    });
    if (res.status !== 201) return false;
    phone.secret = ((await res.json()) as { deviceSecret: string }).deviceSecret;
    await save();
    return true;
  }

  async function report(phone: PhoneState, requestId: string, step: string, reason?: string): Promise<void> {
    const res = await call(phone, "POST", `/device/v1/commands/${encodeURIComponent(requestId)}/reports`, {
      step,
      reason,
    });
    if (!res.ok)
      opts.log.warn(
        { deviceId: phone.deviceId, requestId, step, status: res.status },
        "simulator report refused",
      );
  }

  async function work(deviceId: string): Promise<void> {
    const device = await opts.device(deviceId);
    if (!device) return;
    let phone = phones.get(deviceId);
    if (!phone) {
      if (device.enrolled) {
        opts.log.warn(
          { deviceId },
          "simulator leaves alone a device it did not create (enrolled by another agent)",
        );
        return;
      }
      phone = newPhone(device);
      phones.set(deviceId, phone);
    }
    if (!phone.secret && !(await enroll(phone))) return;
    let res = await call(phone, "GET", "/device/v1/commands/next");
    if (res.status === 401 && (await enroll(phone)))
      res = await call(phone, "GET", "/device/v1/commands/next");
    if (res.status !== 200) return;
    const { command } = (await res.json()) as { command: Command };
    await sleep(opts.delayMs);
    await report(phone, command.requestId, "received");
    const refusal = refusalFor(device, phone, command.type);
    await sleep(opts.delayMs);
    if (refusal) {
      await report(phone, command.requestId, "failed", refusal);
      return;
    }
    if (command.type === "reset_passcode_and_lock" && command.passcode) {
      phone.passcodeHash = await hashPasscode(command.passcode);
      phone.passcodeSet = true;
      phone.lastCommand = command.requestId;
      await save();
      await report(phone, command.requestId, "passcode_reset");
      await sleep(opts.delayMs);
    }
    phone.locked = true;
    phone.lastCommand = command.requestId;
    await save();
    await report(phone, command.requestId, "locked");
  }

  /** Runs one device's work at a time; a push that arrives meanwhile runs it once more after. */
  function wake(deviceId: string): void {
    if (stopped) return;
    if (running.has(deviceId)) {
      again.add(deviceId);
      return;
    }
    const job = work(deviceId)
      .catch((err: unknown) => opts.log.warn({ deviceId, err: causeOf(err) }, "simulated device failed"))
      .finally(() => {
        running.delete(deviceId);
        if (again.delete(deviceId)) wake(deviceId);
      });
    running.set(deviceId, job);
  }

  let checkingIn: Promise<void> | null = null;

  /** Wakes each phone and waits for it, a few at a time. */
  async function checkIn(ids: string[]): Promise<void> {
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && !stopped; id = queue.shift()) {
        wake(id);
        await running.get(id);
      }
    };
    await Promise.all(Array.from({ length: CHECK_IN_CONCURRENCY }, worker));
  }

  return {
    wake,
    /** Whether a push for this device is the simulator's to act on (it holds or may create the phone). */
    async accepts(deviceId: string): Promise<boolean> {
      if (phones.has(deviceId)) return true;
      const device = await opts.device(deviceId);
      return device !== null && !device.enrolled;
    },
    /**
     * At start-up every phone checks in (asks for its next command, which marks it seen), as real
     * agents do when they start: the ones it holds, and every device of the inventory that no
     * agent has enrolled yet and that has been seen before (it enrolls first). A device never seen
     * has never run its agent: it stays "never seen" until a reset wakes it. Resolves when all have.
     */
    resume(): Promise<void> {
      checkingIn = (async () => {
        const inventory = opts.devices ? await opts.devices() : [];
        const fresh = inventory.filter((d) => !d.enrolled && d.lastSeenAt !== null && !phones.has(d.id));
        await checkIn([...phones.keys(), ...fresh.map((d) => d.id)]);
      })();
      return checkingIn;
    },
    async unlock(deviceId: string, passcode: string): Promise<"unlocked" | "wrong" | "unknown"> {
      const phone = phones.get(deviceId);
      if (!phone) return "unknown";
      if (!(await passcodeMatches(phone.passcodeHash, passcode))) return "wrong";
      phone.locked = false;
      await save();
      return "unlocked";
    },
    state(deviceId: string): Omit<PhoneState, "secret" | "passcodeHash"> | null {
      const p = phones.get(deviceId);
      return p
        ? { deviceId: p.deviceId, passcodeSet: p.passcodeSet, locked: p.locked, lastCommand: p.lastCommand }
        : null;
    },
    list() {
      return [...phones.values()].map((p) => ({
        deviceId: p.deviceId,
        locked: p.locked,
        passcodeSet: p.passcodeSet,
      }));
    },
    /** Resolves when no simulated device is busy (tests and graceful shutdown). */
    async idle(): Promise<void> {
      await checkingIn?.catch(() => undefined);
      while (running.size > 0) await Promise.all([...running.values()]);
    },
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all([...running.values()]);
    },
  };
}

function load(file: string): PhoneState[] {
  if (!existsSync(file)) return [];
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PhoneState[];
  } catch {
    return [];
  }
}
