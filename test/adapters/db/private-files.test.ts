// Latchkey's files are its account's alone: on the embedded default, the data folder, the SQLite
// database with its -wal and -shm, the passcode key, and the mail outbox with each .eml (a
// passcode in clear) grant nothing to group or others, whatever the umask; and a data folder
// an older version left open is tightened at start. Latchkey really starts (SQLite, HTTP,
// simulator, outbox); the umask is opened wide for the test, so no mode comes from it.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/adapters/db/open-database.ts";
import { createLogger } from "../../../src/adapters/log/logger.ts";
import { startLatchkey } from "../../../src/compose.ts";
import { loadConfig } from "../../../src/config.ts";

/** Every file and folder under `dir` (itself included) that grants anything to group or others. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) found.push(`${relative(dir, path) || "."} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return found;
}

const names = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: "utf8" }).map((n) => n.replaceAll("\\", "/"));

describe("files on disk, embedded default", () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "latchkey-modes-"));
    umask = process.umask(0o000);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  async function runOnce(dataDir: string): Promise<void> {
    const config = loadConfig({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" });
    const running = await startLatchkey(config, createLogger("silent"));
    try {
      await running.core.mail.send({ to: "ada@example.com", subject: "s", text: "58203917", html: "" });
      // The database writes while running: the WAL and its index exist now.
      expect(names(dataDir)).toEqual(
        expect.arrayContaining([
          "latchkey.db",
          "latchkey.db-wal",
          "latchkey.db-shm",
          "passcode.key",
          "outbox",
        ]),
      );
      expect(names(dataDir).some((n) => /^outbox\/.+\.eml$/.test(n))).toBe(true);
      expect(openToOthers(dataDir)).toEqual([]);
    } finally {
      await running.stop();
    }
  }

  it("creates every file and folder for its owner only", async () => {
    await runOnce(join(root, "data"));
    expect(openToOthers(join(root, "data"))).toEqual([]);
  });

  it("tightens a data folder an older version left readable by others", async () => {
    const dataDir = join(root, "data");
    const old = await openDatabase(`file:${join(dataDir, "latchkey.db")}`);
    await old.close();
    mkdirSync(join(dataDir, "outbox"));
    writeFileSync(join(dataDir, "latchkey.db-wal"), "");
    writeFileSync(join(dataDir, "passcode.key"), `${"ab".repeat(32)}\n`);
    for (const p of ["", "outbox"]) chmodSync(join(dataDir, p), 0o755);
    for (const p of ["latchkey.db", "latchkey.db-wal", "passcode.key"]) chmodSync(join(dataDir, p), 0o644);
    expect(openToOthers(dataDir).length).toBeGreaterThanOrEqual(5);
    await runOnce(dataDir);
  });
});
