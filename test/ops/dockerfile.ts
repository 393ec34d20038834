// Reads the Dockerfile without a Docker engine: its stages and instructions (ARG defaults
// resolved), the rules the image must keep, and the dockerfile-utils linter's findings.
import { validate } from "dockerfile-utils";

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical: Instruction[] = [];
  let pending = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === "" || line.trim().startsWith("#"))) return;
    if (!pending) start = i + 1;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = "";
    const m = /^(\w+)\s+([\s\S]*)$/.exec(full);
    if (m?.[1]) logical.push({ keyword: m[1].toUpperCase(), args: (m[2] ?? "").trim(), line: start });
  });
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of logical) {
    if (ins.keyword === "ARG" && stages.length === 0) {
      const [k, v] = ins.args.split("=");
      if (k) args[k] = v ?? "";
    } else if (ins.keyword === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      const image = (m?.[1] ?? "").replace(/\$\{?(\w+)\}?/g, (_, k: string) => args[k] ?? "");
      stages.push({ name: m?.[2] ?? null, image, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return { args, stages };
}

/** The exec-form JSON array of an instruction such as CMD ["node", ...]. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed as string[];
}

/** ENV instructions of a stage (both `K=V K2=V2` and `K V` forms). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === "ENV")) {
    const pairs = [...ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)];
    if (pairs.length === 0) {
      const [k, ...v] = ins.args.split(/\s+/);
      if (k) env[k] = v.join(" ");
    }
    for (const p of pairs) if (p[1]) env[p[1]] = (p[2] ?? "").replace(/^"|"$/g, "");
  }
  return env;
}

/** What the image must be: each broken rule in plain words (empty when all hold). */
export function imageRuleProblems(text: string): string[] {
  const problems: string[] = [];
  const { stages } = parseDockerfile(text);
  const runtime = stages.at(-1);
  if (stages.length < 2 || !runtime) problems.push("not multi-stage: build and runtime stages expected");
  for (const s of stages) {
    if (!/:[\w.-]*\d[\w.-]*$|@sha256:[0-9a-f]{64}$/.test(s.image) || /:latest$/.test(s.image)) {
      problems.push(`base image not pinned to a version: ${s.image || "(empty)"}`);
    }
  }
  for (const s of stages) {
    for (const i of s.instructions) {
      if (i.keyword === "ADD" && /\bhttps?:\/\//.test(i.args)) problems.push(`line ${i.line}: ADD of a URL`);
    }
  }
  if (!runtime) return problems;
  const kw = (k: string) => runtime.instructions.filter((i) => i.keyword === k);
  const user = kw("USER").at(-1)?.args.split(":")[0];
  if (!user || user === "root" || user === "0")
    problems.push("the runtime stage does not switch to a non-root USER");
  if (kw("HEALTHCHECK").length !== 1) problems.push("the runtime stage needs one HEALTHCHECK");
  else if (/\bcurl\b|\bwget\b/.test(kw("HEALTHCHECK")[0]?.args ?? ""))
    problems.push("HEALTHCHECK uses curl/wget");
  if (!kw("EXPOSE").some((i) => i.args.split(/\s+/).includes("3000"))) problems.push("port 3000 not exposed");
  if (!kw("VOLUME").some((i) => i.args.includes("/data"))) problems.push("no /data volume");
  if (stageEnv(runtime).DATA_DIR !== "/data") problems.push("DATA_DIR is not /data in the runtime stage");
  const cmd = kw("CMD").at(-1);
  if (!cmd?.args.startsWith("[")) problems.push("CMD must be in exec form (signals reach node)");
  if (stages.slice(0, -1).some((s) => s.instructions.some((i) => /npm ci\b/.test(i.args))) === false) {
    problems.push("the build stage does not install from the lock file (npm ci)");
  }
  return problems;
}

/** dockerfile-utils' errors and warnings, as `line N: message`. */
export function lintDockerfile(text: string): string[] {
  return validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}
