// `npm start` on embedded defaults, driven as an operator would: the CLI resets a demo device,
// the simulated phone really talks to the device API, the passcode arrives in the outbox and
// unlocks the phone. Everything real: SQLite, HTTP, simulator, outbox.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { runCli } from "../../src/cli/main.ts";
import { type Running, startLatchkey } from "../../src/compose.ts";
import { loadConfig } from "../../src/config.ts";

describe("embedded defaults end to end", () => {
  let dir: string;
  let running: Running;
  let env: Record<string, string>;
  const out: string[] = [];
  const logs: string[] = [];
  const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-e2e-"));
    env = { DATA_DIR: dir, PORT: "0", SIMULATOR_DELAY: "50ms", LOG_LEVEL: "silent" };
    // Every log level on: the test below searches all of it for the passcode.
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    running = await startLatchkey(loadConfig(env), createLogger("trace", sink));
    env.PORT = new URL(running.url).port;
  });
  afterAll(async () => {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("listens on loopback only: the Playground and Teams local mode are on, and HOST is not set", () => {
    const address = running.server.address();
    expect(typeof address === "object" && address?.address).toBe("127.0.0.1");
    expect(running.playground?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(running.teams?.mode).toBe("local");
  });

  it("serves /healthz", async () => {
    const res = await fetch(`${running.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("resets a demo device from the CLI: locked, passcode in the outbox, and it unlocks the phone", async () => {
    out.length = 0;
    const code = await runCli(["reset", "demo-pixel-8-owner", "--as", "ada.admin@example.com"], env, io);
    expect(code).toBe(0);
    const printed = out.join("\n");
    expect(printed).toMatch(/locked\s+The device is locked/);
    expect(printed).toMatch(/completed\s+Passcode reset and device locked/);

    const files = readdirSync(join(dir, "outbox")).filter((f) => f.endsWith(".eml"));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(dir, "outbox", files[0] ?? "")));
    const passcode = /New passcode:\s+(\S+)/.exec(mail.text ?? "")?.[1] ?? "";
    expect(passcode).toMatch(/^\d{8}$/);
    expect(printed).not.toContain(passcode);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join("")).not.toContain(passcode);
    expect(mail.subject).not.toContain(passcode);

    const unlock = (p: string) =>
      fetch(`${running.url}/simulator/devices/demo-pixel-8-owner/unlock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ passcode: p }),
      });
    expect((await unlock(passcode.split("").reverse().join(""))).status).toBe(403);
    expect((await unlock(passcode)).status).toBe(200);
  });

  it("refuses a device the rules refuse before anything is pushed, with its reason", async () => {
    out.length = 0;
    const code = await runCli(
      ["reset", "demo-moto-g5-android7-admin-passcode", "--as", "ada.admin@example.com"],
      env,
      io,
    );
    expect(code).toBe(1);
    expect(out.join("\n")).toMatch(/refused\s+.*Device Administrator/);
    expect(out.join("\n")).not.toMatch(/pushed/);
    // The phone checked in at start, and got no command since.
    expect(running.simulator?.state("demo-moto-g5-android7-admin-passcode")).toMatchObject({
      locked: false,
      lastCommand: null,
    });
  });

  it("check --json prints the decision", async () => {
    out.length = 0;
    expect(await runCli(["check", "demo-pixel-7-owner-token-inactive", "--json"], env, io)).toBe(0);
    const decision = JSON.parse(out.join(""));
    expect(decision).toMatchObject({ deviceId: "demo-pixel-7-owner-token-inactive", capable: false });
    expect(decision.reason).toMatch(/unlock the device once/);
    expect(Array.isArray(decision.warnings)).toBe(true);
  });

  it("an employee reports their own iPhone lost: it is locked (Apple has no passcode reset)", async () => {
    out.length = 0;
    const owner = JSON.parse(readFileSync("demo/inventory.json", "utf8")).devices.find(
      (d: { id: string }) => d.id === "demo-iphone-15-ios17",
    ).owner as string;
    const code = await runCli(["lost", "demo-iphone-15-ios17", "--as", owner], env, io);
    expect(code).toBe(0);
    expect(out.join("\n")).toMatch(/completed\s+.*locked/i);
    expect(running.simulator?.state("demo-iphone-15-ios17")?.locked).toBe(true);
  });
});
