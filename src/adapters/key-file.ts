// PASSCODE_KEY: from the environment in production; on the embedded default, generated once
// and kept next to the database with mode 0600 (so a fresh clone needs no set-up). Keys in
// PASSCODE_KEY_PREVIOUS open what they sealed before a rotation, whichever the current key's source.
// The data folder is made owner-only here, the first thing a start does with the disk.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, ConfigError, decodeKey } from "../config.ts";
import { PRIVATE_DIR, PRIVATE_FILE, privateDir, tightenIfPresent } from "../private-files.ts";

export interface PasscodeKeys {
  key: Buffer;
  previous: Buffer[];
  /** Where the keys came from, for the start-up banner. */
  source: string;
}

export function resolvePasscodeKeys(config: Config): PasscodeKeys {
  // DATA_DIR holds the outbox (passcodes in clear) whatever the database: an existing one, from an
  // older version or made by hand, is tightened; a missing one is made by whoever needs it first.
  tightenIfPresent(config.dataDir, PRIVATE_DIR);
  const { key, source } = resolvePasscodeKey(config);
  const previous = config.previousPasscodeKeys;
  if (previous.some((k) => k.equals(key))) {
    throw new ConfigError(
      `Invalid configuration:\n  PASSCODE_KEY_PREVIOUS: holds the current key (from ${source}); to rotate, set PASSCODE_KEY to a new key (openssl rand -hex 32)`,
    );
  }
  const n = previous.length;
  return {
    key,
    previous,
    source:
      n > 0 ? `${source}, and ${n} previous key${n === 1 ? "" : "s"} from PASSCODE_KEY_PREVIOUS` : source,
  };
}

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
    tightenIfPresent(file, PRIVATE_FILE);
    return { key, source: file };
  }
  privateDir(config.dataDir);
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString("hex")}\n`, { mode: PRIVATE_FILE, flag: "wx" });
  return { key, source: `${file} (generated)` };
}
