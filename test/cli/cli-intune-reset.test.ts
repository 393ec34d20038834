// `latchkey` on Intune-managed devices as an operator runs it (issue 17): the real CLI as a child
// process (node --import tsx src/cli/main.ts), trusting the local HTTPS Graph stand-in through
// NODE_EXTRA_CA_CERTS as in production, on the embedded database. First with no server (the CLI
// takes Intune's steps itself while it follows): sync, check, a reset followed to the end, cancel
// after Intune accepted, the passcode email, timeline, a second reset of the same phone, a lost
// Mac's PIN. Then with a server running on the same database (its scheduler taking the same steps):
// each command still reaches Intune exactly once.
import { type ChildProcess, spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { PROJECT_ROOT, type Running, startLatchkey } from "../../src/compose.ts";
import { loadConfig } from "../../src/config.ts";
import { type FakeGraph, startFakeGraph } from "../support/fake-graph.ts";
import {
  distinctivePasscode,
  FOLLOW_MS,
  fullyManagedPhone,
  INTUNE_WORDS,
  mac,
  until,
} from "../support/intune-fixtures.ts";

const ADMIN = "ada.admin@example.com";
const ERIN = { email: "erin.engineer@example.com", name: "Erin Engineer" };
const PHONE = "intune-cli-pixel";
const MAC = "intune-cli-mac";
const PHONE_2 = "intune-cli-pixel-2";

interface Run {
  stdout: string;
  stderr: string;
  /** The exit code (null: killed by a signal). */
  exited: Promise<number | null>;
}

/** The mails of an outbox folder, parsed. */
async function outbox(dir: string): Promise<{ to: string; text: string }[]> {
  const folder = join(dir, "outbox");
  let files: string[] = [];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith(".eml"));
  } catch {
    return [];
  }
  const mails = [];
  for (const f of files) {
    const m = await simpleParser(readFileSync(join(folder, f)));
    const to = Array.isArray(m.to) ? (m.to[0]?.text ?? "") : (m.to?.text ?? "");
    mails.push({ to, text: m.text ?? "" });
  }
  return mails;
}

describe("latchkey CLI (a real process) on Intune-managed devices", () => {
  const passcode = distinctivePasscode();
  const pin = String(randomInt(100_000, 1_000_000));
  const children: ChildProcess[] = [];
  const serverLogs: string[] = [];
  let dir: string;
  let graph: FakeGraph;
  let server: Running | undefined;

  /** Starts `latchkey <args>` on the test's database, with Intune's settings and CA as production gives them. */
  function start(...args: string[]): Run {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        DATA_DIR: dir,
        // Port 1: no Latchkey answers there (nothing is pushed to an Intune device anyway).
        PORT: "1",
        LOG_LEVEL: "warn",
        LATCHKEY_ADMINS: ADMIN,
        ...graph.env(),
        NODE_EXTRA_CA_CERTS: graph.caPath,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const run: Run = {
      stdout: "",
      stderr: "",
      exited: new Promise((resolve) => child.once("close", (code) => resolve(code))),
    };
    child.stdout?.on("data", (c: Buffer) => {
      run.stdout += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      run.stderr += c.toString();
    });
    return run;
  }

  /** Runs `latchkey <args>` to its end (failing at the deadline). */
  async function cli(
    args: string[],
    ms = 30_000,
  ): Promise<{ code: number | null; out: string; err: string }> {
    const run = start(...args);
    return { code: await exitOf(run, ms, `latchkey ${args.join(" ")}`), out: run.stdout, err: run.stderr };
  }

  /** The exit code of a run (failing at the deadline). */
  async function exitOf(run: Run, ms: number, what: string): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${what} still running after ${ms} ms:\n${run.stdout}`)), ms);
    });
    try {
      return await Promise.race([run.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  const actionsOn = (id: string) => graph.actions.filter((a) => a.deviceId === id).map((a) => a.action);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-cli-intune-"));
    graph = await startFakeGraph();
    graph.addDevices([
      fullyManagedPhone(PHONE, ERIN, "Erin's Pixel 8"),
      mac(MAC, ERIN, "Erin's MacBook"),
      fullyManagedPhone(PHONE_2, ERIN, "Erin's spare Pixel"),
    ]);
    // Intune says "pending" at the first read, then reports its passcode: at least 15 s after it
    // accepted the reset (mdmFollowWaitMs: 5 s at first), time enough for the cancel below.
    graph.scriptAction(PHONE, "resetPasscode", ["pending", { actionState: "done", passcode }]);
    graph.scriptAction(PHONE, "remoteLock", ["done"]);
    graph.scriptAction(MAC, "remoteLock", [{ actionState: "done", unlockPin: pin }]);
    graph.scriptAction(PHONE_2, "resetPasscode", [{ actionState: "done", passcode }]);
    graph.scriptAction(PHONE_2, "remoteLock", ["done"]);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await server?.stop();
    await graph?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sync intune imports the phones and the Mac for their user", async () => {
    const r = await cli(["sync", "intune"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Intune sync: 3 added");
    // stderr carries log lines at warn and above: none an error, none with the client secret.
    expect(r.err).not.toMatch(/"level":(50|60)/);
    expect(r.err).not.toContain(graph.clientSecret);
    const devices = await cli(["devices", "--owner", ERIN.email]);
    expect(devices.out).toMatch(new RegExp(`${PHONE}\\s.*\\byes\\b`));
    expect(devices.out).toMatch(new RegExp(`${MAC}\\s.*\\bno\\b`));
  });

  it("check --json: the phone is capable, with Intune's warnings; the Mac is not (a PIN lock only)", async () => {
    const phone = await cli(["check", PHONE, "--json"]);
    expect(phone.code).toBe(0);
    const decision = JSON.parse(phone.out) as {
      deviceId: string;
      capable: boolean;
      reason: string;
      warnings: string[];
    };
    expect(decision).toMatchObject({ deviceId: PHONE, capable: true });
    expect(decision.reason).toContain("Intune can reset the work-profile passcode");
    expect(decision.reason).toContain("Intune chooses the new passcode");
    expect(decision.warnings.join("\n")).toContain("Work profile only");
    // Graph does not say whether a passcode policy applies: no warning that would show on every device.
    expect(decision.warnings.join("\n")).not.toContain("passcode policy");
    const macDecision = JSON.parse((await cli(["check", MAC, "--json"])).out) as {
      capable: boolean;
      reason: string;
    };
    expect(macDecision.capable).toBe(false);
    expect(macDecision.reason).toContain("Intune cannot reset a Mac's password");
  });

  it(
    "reset follows Intune to the end; cancel after Intune accepted is refused; the passcode only by email",
    async () => {
      const reset = start("reset", PHONE, "--as", ADMIN);
      const requestId = await until("the reset's request id", () => /(rq_[0-9a-f]+)/.exec(reset.stdout)?.[1]);
      await until("the CLI to say Intune accepted the reset", () =>
        reset.stdout.includes(INTUNE_WORDS.accepted),
      );
      const since = Date.now();

      const cancel = await cli(["cancel", requestId, "--as", ADMIN, "--reason", "found it"]);
      expect(cancel.code).toBe(1);
      expect(cancel.err).toContain(
        "Too late to cancel: Intune cannot cancel a command it has accepted: this request runs to its end.",
      );

      const code = await exitOf(reset, FOLLOW_MS, "the reset");
      console.info(`CLI: Intune reset followed to its end ${Date.now() - since} ms after Intune accepted it`);
      expect(code).toBe(0);
      for (const words of Object.values(INTUNE_WORDS)) expect(reset.stdout).toContain(words);
      expect(reset.stdout).toMatch(/\bcompleted\b/);
      expect(reset.stdout).not.toMatch(/\bcancelled\b/);
      expect(reset.stdout + reset.stderr).not.toContain(passcode);
      expect(actionsOn(PHONE)).toEqual(["resetPasscode", "remoteLock"]);

      // The passcode Intune reported reaches Ada by email (the private delivery), and nobody else.
      expect(graph.passcodes.get(PHONE)).toBe(passcode);
      const mails = await outbox(dir);
      const mail = mails.find((m) => m.to.includes(ADMIN) && m.text.includes(requestId));
      expect(mail?.text).toContain(passcode);
      for (const m of mails) if (m !== mail) expect(m.text).not.toContain(passcode);

      const timeline = await cli(["timeline", requestId]);
      expect(timeline.code).toBe(0);
      expect(timeline.out).toContain(
        `${requestId}  reset_and_lock of ${PHONE}, requested by ${ADMIN}: completed`,
      );
      for (const words of Object.values(INTUNE_WORDS)) expect(timeline.out).toContain(words);
      expect(timeline.out).not.toContain(passcode);
    },
    FOLLOW_MS + 60_000,
  );

  it(
    "lost <Mac> --as its user: Intune locks it and its six-digit unlock PIN arrives by email",
    async () => {
      const lost = await cli(["lost", MAC, "--as", ERIN.email], FOLLOW_MS);
      expect(lost.code).toBe(0);
      expect(lost.out).toContain("Intune accepted the lock");
      expect(lost.out).toContain("Intune reports the device locked with a six-digit unlock PIN");
      expect(lost.out + lost.err).not.toContain(pin);
      expect(actionsOn(MAC)).toEqual(["remoteLock"]);
      const requestId = /(rq_[0-9a-f]+)/.exec(lost.out)?.[1] ?? "";
      const mail = (await outbox(dir)).find((m) => m.to.includes(ERIN.email) && m.text.includes(requestId));
      expect(mail?.text).toContain(pin);
    },
    FOLLOW_MS + 30_000,
  );

  it(
    "a second reset of the same phone sends its own resetPasscode, though Intune still lists the first one's",
    async () => {
      // Intune keeps the last result of each action on the device (the first reset's, done, with its
      // passcode): it is not this request's, which must send its own reset and lock (see the report).
      const again = await cli(["reset", PHONE, "--as", ADMIN], FOLLOW_MS);
      expect(again.code).toBe(0);
      expect(actionsOn(PHONE)).toEqual(["resetPasscode", "remoteLock", "resetPasscode", "remoteLock"]);
      expect(again.out).not.toContain("it was not sent twice");
    },
    FOLLOW_MS + 30_000,
  );

  describe("with a server running on the same database", () => {
    beforeAll(async () => {
      const sink = new Writable({
        write(chunk, _enc, cb) {
          serverLogs.push(String(chunk));
          cb();
        },
      });
      const config = loadConfig({
        DATA_DIR: dir,
        PORT: "0",
        HOST: "127.0.0.1",
        DEMO_INVENTORY: "false",
        LATCHKEY_ADMINS: ADMIN,
        ...graph.env(),
      });
      server = await startLatchkey(config, createLogger("trace", sink), { intuneCa: graph.ca });
    });

    it(
      "a reset Intune throttles (429, Retry-After 20 s) reaches Intune once, though the scheduler follows it meanwhile",
      async () => {
        graph.fault({ status: 429, retryAfter: "20", method: "POST", path: /\/resetPasscode$/ });
        const reset = await cli(["reset", PHONE_2, "--as", ADMIN], FOLLOW_MS + 30_000);
        expect(reset.code).toBe(0);
        for (const words of Object.values(INTUNE_WORDS)) expect(reset.out).toContain(words);
        // One reset, one resetPasscode: a second would make the passcode of the first useless.
        expect(actionsOn(PHONE_2).filter((a) => a === "resetPasscode")).toHaveLength(1);
        expect(actionsOn(PHONE_2)).toEqual(["resetPasscode", "remoteLock"]);
        expect(serverLogs.join("")).not.toContain(passcode);
      },
      FOLLOW_MS + 60_000,
    );
  });
});
