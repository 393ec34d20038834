// Latchkey's files on disk hold what nobody but its own account may read: the database and its
// WAL (device secrets' digests, sealed passcodes, the audit log), the passcode key and the mail
// outbox (passcodes in clear). Modes are set explicitly rather than left to the umask, and files
// and folders left by an older version, or made by hand, are tightened at start.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";

export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** Creates the folder (and any missing parents) readable by its owner only, or tightens it. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  tighten(dir, PRIVATE_DIR);
}

/** Creates the file empty if missing, and makes it readable by its owner only. */
export function privateFile(file: string): void {
  closeSync(openSync(file, "a", PRIVATE_FILE));
  tighten(file, PRIVATE_FILE);
}

/** Makes the file or folder readable by its owner only, if it exists. */
export function tightenIfPresent(path: string, mode = PRIVATE_FILE): void {
  if (existsSync(path)) tighten(path, mode);
}

function tighten(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (err) {
    // Another account's file (an operator running the CLI as someone else): its owner's own
    // start tightens it; refusing to run here would protect nothing.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") throw err;
  }
}
