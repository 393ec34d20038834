// Kill Latchkey (SIGKILL) in the middle of a reset and start it again: the reset finishes,
// because the sequence is driven from the database, not from memory.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { runCli } from "../../src/cli/main.ts";
import { composeCore } from "../../src/compose.ts";
import { loadConfig } from "../../src/config.ts";
import type { RequestState } from "../../src/core/types.ts";

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", () => ok()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

function startServer(env: Record<string, string>): ChildProcess {
  // One process (node --import tsx), so SIGKILL really kills the server and not a wrapper.
  return spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
}

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(v)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("crash in the middle of a reset", () => {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-crash-"));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("finishes the reset after a SIGKILL and restart", async () => {
    const port = await freePort();
    const env = { DATA_DIR: dir, PORT: String(port), SIMULATOR_DELAY: "1500ms", LOG_LEVEL: "warn" };
    const url = `http://127.0.0.1:${port}`;
    const first = startServer(env);
    children.push(first);
    await until(
      "the server to answer",
      async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok,
    );

    const out: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
    const device = "demo-galaxy-s7-android6-admin";
    expect(await runCli(["reset", device, "--as", "ada.admin@example.com", "--no-follow"], env, io)).toBe(0);
    const requestId = /(rq_[0-9a-f]+)/.exec(out.join("\n"))?.[1] ?? "";
    expect(requestId).not.toBe("");

    const reader = await composeCore(loadConfig({ ...env, DEMO_INVENTORY: "false" }), createLogger("silent"));
    const state = async () => (await reader.engine.stores.requests.get(requestId))?.state;
    try {
      // Killed while the phone works on the command: after pickup, before the lock is reported.
      const midway = ["received", "passcode_reset"];
      await until("the device to pick the command up", async () => midway.includes((await state()) ?? ""));
      const exited = new Promise((r) => first.once("exit", r));
      first.kill("SIGKILL");
      await exited;
      expect(midway).toContain(await state());

      const second = startServer(env);
      children.push(second);
      const final = await until<RequestState>("the reset to finish", async () => {
        const s = await state();
        return s === "completed" || s === "failed" ? s : null;
      });
      expect(final).toBe("completed");
      const events = await reader.engine.stores.requests.events(requestId);
      expect(events.filter((e) => e.type === "locked")).toHaveLength(1);
      expect(events.filter((e) => e.type === "completed")).toHaveLength(1);

      const files = readdirSync(join(dir, "outbox"));
      expect(files).toHaveLength(1);
      const mail = await simpleParser(readFileSync(join(dir, "outbox", files[0] ?? "")));
      const passcode = /New passcode:\s+(\S+)/.exec(mail.text ?? "")?.[1] ?? "";
      const res = await fetch(`${url}/simulator/devices/${device}/unlock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ passcode }),
      });
      expect(res.status).toBe(200);
      second.kill("SIGTERM");
      await new Promise((r) => second.once("exit", r));
    } finally {
      await reader.close();
    }
  }, 120_000);
});
