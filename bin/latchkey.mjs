#!/usr/bin/env node
// Runs the operator CLI (TypeScript, through tsx's loader) from wherever it is installed.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const loader = import.meta.resolve("tsx");
const r = spawnSync(
  process.execPath,
  ["--import", loader, join(root, "src", "cli", "main.ts"), ...process.argv.slice(2)],
  {
    stdio: "inherit",
  },
);
process.exit(r.status ?? 1);
