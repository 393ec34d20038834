// Latchkey on its embedded defaults in a temp folder, for the chat harnesses: every log line kept
// (tests search them for passcodes) and the mail outbox readable as parsed messages.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { simpleParser } from "mailparser";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { type Running, type StartOptions, startLatchkey } from "../../src/compose.ts";
import { type Config, loadConfig } from "../../src/config.ts";

export interface Embedded {
  running: Running;
  dir: string;
  logs: string[];
  /** Every email in the outbox, parsed. */
  outbox(): Promise<{ to: string; subject: string; text: string }[]>;
  /** Stops Latchkey and removes its folder. */
  stop(): Promise<void>;
}

export async function startEmbedded(
  name: string,
  env: Record<string, string>,
  opts: (config: Config) => StartOptions,
): Promise<Embedded> {
  const dir = mkdtempSync(join(tmpdir(), `latchkey-${name}-`));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const config = loadConfig({ DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", SIMULATOR_DELAY: "20ms", ...env });
  const running = await startLatchkey(config, createLogger("trace", sink), opts(config));
  return {
    running,
    dir,
    logs,
    async outbox() {
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
        mails.push({ to, subject: m.subject ?? "", text: m.text ?? "" });
      }
      return mails;
    },
    async stop() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
