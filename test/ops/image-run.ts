// Runs what the image would run, without Docker: the runtime stage's CMD with its ENV (plus a
// fresh DATA_DIR, a DATABASE_URL and a port), then its HEALTHCHECK command; optionally from a
// folder laid out as the runtime stage's COPY lines say, pruned to production dependencies.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { execForm, parseDockerfile, type Stage, stageEnv } from "./dockerfile.ts";

export function runtimeStage(root: string): Stage {
  const stage = parseDockerfile(readFileSync(join(root, "Dockerfile"), "utf8")).stages.at(-1);
  if (!stage) throw new Error("the Dockerfile has no stage");
  return stage;
}

/** Copies what the runtime stage copies from the build stage (its /app is `root` after npm ci). */
export function stageRuntime(root: string, target: string): string[] {
  const copied: string[] = [];
  for (const ins of runtimeStage(root).instructions.filter((i) => i.keyword === "COPY")) {
    const words = ins.args.split(/\s+/).filter((w) => !w.startsWith("--"));
    if (!ins.args.includes("--from=build"))
      throw new Error(`line ${ins.line}: COPY not from the build stage`);
    const dest = words.pop() ?? "./";
    for (const src of words) {
      const rel = src.replace(/^\/app\/?/, "");
      const to = dest.endsWith("/") ? join(target, dest, rel.split("/").pop() ?? rel) : join(target, dest);
      cpSync(join(root, rel), to, { recursive: true, verbatimSymlinks: true });
      copied.push(rel);
    }
  }
  // The build stage's last step: only production dependencies stay.
  execFileSync("npm", ["prune", "--omit=dev", "--no-audit", "--no-fund"], { cwd: target, stdio: "ignore" });
  return copied;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", () => ok()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

export interface ImageProcess {
  child: ChildProcess;
  url: string;
  output: string[];
  /** Runs the HEALTHCHECK's command as Docker would (same env); resolves to its exit code. */
  healthcheck(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the runtime stage's CMD in `dir` (optionally as another user, e.g. setpriv --reuid=65534 ...). */
export async function startImageCmd(
  dir: string,
  env: Record<string, string>,
  opts: { asUser?: string[]; dockerfileRoot?: string } = {},
): Promise<ImageProcess> {
  const stage = runtimeStage(opts.dockerfileRoot ?? dir);
  const cmdIns = stage.instructions.filter((i) => i.keyword === "CMD").at(-1);
  const hcIns = stage.instructions.find((i) => i.keyword === "HEALTHCHECK");
  if (!cmdIns || !hcIns) throw new Error("the runtime stage needs CMD and HEALTHCHECK");
  const cmd = execForm(cmdIns.args);
  const hc = execForm(hcIns.args.slice(hcIns.args.indexOf("CMD") + 3).trim());
  const port = String(await freePort());
  const fullEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: "/tmp",
    ...stageEnv(stage),
    // A free metrics port: tests run side by side (the default is 9464).
    METRICS_PORT: "0",
    ...env,
    PORT: port,
    HOST: "127.0.0.1",
  };
  const prefix = opts.asUser ?? [];
  const spawnArgs = (argv: string[]) => {
    const all = [...prefix, ...argv];
    return { file: all[0] ?? "", args: all.slice(1) };
  };
  const main = spawnArgs(cmd);
  const child = spawn(main.file, main.args, { cwd: dir, env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stdout?.on("data", (d) => output.push(String(d)));
  child.stderr?.on("data", (d) => output.push(String(d)));
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output,
    healthcheck() {
      const h = spawnArgs(hc);
      const probe = spawn(h.file, h.args, { cwd: dir, env: fullEnv, stdio: "ignore" });
      return new Promise((ok) => probe.once("exit", (code) => ok(code ?? 1)));
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((ok) => child.once("exit", ok));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitReady(url: string, child: ChildProcess, ms = 60_000): Promise<unknown> {
  const end = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the process exited with ${child.exitCode}`);
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    if (res?.status === 200) return res.text();
    if (Date.now() > end)
      throw new Error(`/readyz not 200 after ${ms} ms (last ${res?.status ?? "no answer"})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
