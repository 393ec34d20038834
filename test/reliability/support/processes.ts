// Latchkey child processes for the reliability runs: spawn, wait until ready, keep every line of
// output (searched for passcodes and for the unhandled-rejection marker), kill by pid.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const ENTRY = join(ROOT, "test/reliability/support/replica-entry.ts");
export const UNHANDLED_MARKER = "RELIABILITY-UNHANDLED";

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", () => ok()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

export interface Replica {
  name: string;
  child: ChildProcess;
  url: string;
  driverUrl: string;
  /** stdout + stderr, line by line, from every start of this replica. */
  output: string[];
  /** Set when the process exited: its code or signal. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** True once the test killed it on purpose. */
  killedOnPurpose: boolean;
  exited: Promise<void>;
}

export async function startReplica(
  name: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<Replica> {
  const port = Number(env.PORT ?? (await freePort()));
  const driverPort = await freePort();
  // One process (node --import tsx), so SIGKILL really kills the server and not a wrapper.
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      DEMO_INVENTORY: "false",
      TEAMS_ENABLED: "false",
      // Replicas side by side: each its own free metrics port (the default is 9464).
      METRICS_PORT: "0",
      ...env,
      PORT: String(port),
      RELIABILITY_DRIVER_PORT: String(driverPort),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const replica: Replica = {
    name,
    child,
    url: `http://127.0.0.1:${port}`,
    driverUrl: `http://127.0.0.1:${driverPort}`,
    output: [],
    exit: null,
    killedOnPurpose: false,
    exited: new Promise<void>((ok) =>
      child.once("exit", (code, signal) => {
        replica.exit = { code, signal };
        ok();
      }),
    ),
  };
  let ready: () => void = () => {};
  const isReady = new Promise<void>((ok) => {
    ready = ok;
  });
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let rest = "";
    stream?.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        replica.output.push(line);
        if (line.includes('"reliabilityReady":true')) ready();
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  await Promise.race([
    isReady,
    replica.exited.then(() => {
      throw new Error(`${name} exited while starting:\n${replica.output.slice(-20).join("\n")}`);
    }),
    new Promise((_, fail) =>
      setTimeout(() => fail(new Error(`${name} did not start in ${timeoutMs} ms`)), timeoutMs).unref(),
    ),
  ]);
  return replica;
}

export async function killReplica(r: Replica, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (r.exit) return;
  r.killedOnPurpose = signal === "SIGKILL";
  r.child.kill(signal);
  await r.exited;
}

/** Stops it cleanly (SIGTERM), SIGKILL after `graceMs`. */
export async function stopReplica(r: Replica, graceMs = 15_000): Promise<void> {
  if (r.exit) return;
  r.child.kill("SIGTERM");
  const t = setTimeout(() => r.child.kill("SIGKILL"), graceMs);
  await r.exited;
  clearTimeout(t);
}

/** A replica that died without being killed on purpose, or printed the unhandled marker. */
export function crashes(replicas: Replica[]): string[] {
  const out: string[] = [];
  for (const r of replicas) {
    const marker = r.output.find((l) => l.includes(UNHANDLED_MARKER));
    if (marker) out.push(`${r.name}: ${marker}`);
    else if (r.exit && !r.killedOnPurpose && r.exit.code !== 0) {
      out.push(`${r.name} exited ${r.exit.code ?? r.exit.signal}: ${r.output.slice(-5).join(" | ")}`);
    }
  }
  return out;
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  ms = 30_000,
  every = 100,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}
