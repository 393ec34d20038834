// The servers under test run as child processes, so each one's memory and CPU are its own and the

// load generator shares nothing with them but the machine. A target is started, waited for until
// it answers 200 on its health URL, measured through /proc, and stopped.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface Target {
  name: string;
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first answer of any kind, and to the first 200 on /healthz. */
  startup: { firstResponseMs: number; healthyMs: number };
  stop(): Promise<void>;
}

export interface LaunchOptions {
  name: string;
  /** Node arguments before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  script: string;
  env: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Only what a process needs to run: nothing of the caller's own configuration (a DATABASE_URL,
 * SLACK_APP_TOKEN or SMTP_URL in the shell would change what is measured).
 */
function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "TMPDIR", "LANG", "TZ"];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : [])));
}

/** A port nobody listens on now (loopback). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise((ok) => server.close(ok));
  return port;
}

export async function launch(o: LaunchOptions): Promise<Target> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  // BENCH_OUT=FILE: the server's standard output (its JSON log) appended to FILE.
  const out = process.env.BENCH_OUT ? openSync(process.env.BENCH_OUT, "a") : "ignore";
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), "--import", "tsx", o.script], {
    // METRICS_PORT=0: targets started one after another never wait for 9464 to be free.
    env: { ...baseEnv(), METRICS_PORT: "0", ...o.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", out, "pipe"],
  });
  if (typeof out === "number") closeSync(out);
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  let firstResponseMs = 0;
  const deadline = started + (o.timeoutMs ?? 60_000);
  while (performance.now() < deadline) {
    if (child.exitCode !== null) break;
    const status = await fetch(`${url}/healthz`).then(
      (r) => r.arrayBuffer().then(() => r.status),
      () => 0,
    );
    if (status !== 0 && firstResponseMs === 0) firstResponseMs = performance.now() - started;
    if (status === 200) {
      const healthyMs = performance.now() - started;
      return { name: o.name, url, child, startup: { firstResponseMs, healthyMs }, stop };
    }
    await sleep(5);
  }
  await stop();
  throw new Error(`${o.name} did not become healthy (exit ${child.exitCode}): ${stderr.trim()}`);
}

export interface Memory {
  /** Resident set now, and its peak since the process started (VmHWM), in MiB. */
  rssMiB: number;
  peakMiB: number;
}

/** Resident memory of a process, from /proc (Linux). */
export function memoryOf(pid: number | undefined): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 };
}
