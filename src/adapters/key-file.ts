// PASSCODE_KEY: from the environment in production; on the embedded default, generated once
// and kept next to the database with mode 0600 (so a fresh clone needs no set-up).
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, ConfigError, decodeKey } from "../config.ts";

export function resolvePasscodeKey(config: Config): { key: Buffer; source: string } {
  if (config.passcodeKey) return { key: config.passcodeKey, source: "PASSCODE_KEY" };
  if (config.database.kind !== "sqlite") {
    throw new ConfigError(
      "Invalid configuration:\n  PASSCODE_KEY: required when DATABASE_URL points at PostgreSQL (generate one with `openssl rand -hex 32`)",
    );
  }
  const file = join(config.dataDir, "passcode.key");
  if (existsSync(file)) {
    const key = decodeKey(readFileSync(file, "utf8"));
    if (!key) throw new ConfigError(`Invalid configuration:\n  ${file}: does not hold a 32-byte key`);
    chmodSync(file, 0o600);
    return { key, source: file };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  return { key, source: `${file} (generated)` };
}
