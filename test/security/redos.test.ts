// Every regular expression in src/ is checked with recheck (a ReDoS checker: automata analysis,
// or fuzzing when the pattern is too large for it), so no pattern whose matching time grows
// faster than linearly with its input can land again: one such pattern (the email check run on a
// Slack command and a Teams card field) let any chat user stall every request for seconds.
// Found with the TypeScript parser, not by grepping: regex literals, and RegExp(...) /
// new RegExp(...) with string-literal arguments, in every .ts file under src/ (not the generated
// Prisma client) and in the Playground's browser scripts. A RegExp built from a non-literal
// source cannot be checked here: each one must be listed below, with why its input is safe.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { checkSync, type Diagnostics } from "recheck";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SRC = join(ROOT, "src");

/** `new RegExp(<not a literal>)`: file -> why the pattern it builds is safe. */
const DYNAMIC_ALLOWED: Record<string, string> = {
  "src/http/router.ts":
    "compiles the route paths written in the source: each `:name` becomes `([^/]+)` between literal " +
    "`/` segments, anchored; the parts cannot overlap, so matching is linear",
};

/** recheck's "unknown" (it could not decide): source/flags -> why the pattern is safe. None today. */
const UNKNOWN_ALLOWED: Record<string, string> = {};

interface Found {
  file: string;
  line: number;
  source: string;
  flags: string;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join(SRC, "generated")) walk(path);
      } else if (entry.name.endsWith(".ts")) {
        out.push(path);
      }
    }
  };
  walk(SRC);
  const publicDir = join(SRC, "playground", "public");
  for (const name of readdirSync(publicDir)) if (name.endsWith(".js")) out.push(join(publicDir, name));
  return out.sort();
}

const literalText = (node: ts.Node | undefined): string | null =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : null;

/** The regular expressions of one file, and the RegExp constructions from a non-literal source. */
function regexesIn(file: string, text: string): { found: Found[]; dynamic: Found[] } {
  const kind = file.endsWith(".js") ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found: Found[] = [];
  const dynamic: Found[] = [];
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText(sf);
      const end = literal.lastIndexOf("/");
      found.push({ file, line: lineOf(node), source: literal.slice(1, end), flags: literal.slice(end + 1) });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "RegExp"
    ) {
      const [pattern, flagsArg] = node.arguments ?? [];
      const source = literalText(pattern);
      const flags = flagsArg === undefined ? "" : literalText(flagsArg);
      const entry = { file, line: lineOf(node), source: source ?? "", flags: flags ?? "" };
      if (source === null || flags === null) dynamic.push(entry);
      else found.push(entry);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { found, dynamic };
}

function collect(): { found: Found[]; dynamic: Found[] } {
  const found: Found[] = [];
  const dynamic: Found[] = [];
  for (const path of sourceFiles()) {
    const r = regexesIn(relative(ROOT, path), readFileSync(path, "utf8"));
    found.push(...r.found);
    dynamic.push(...r.dynamic);
  }
  return { found, dynamic };
}

// The defaults, written out: a check that takes longer than this is "unknown" (a failure here).
const PARAMS = { timeout: 10_000, randomSeed: 0 } as const;
const verdicts = new Map<string, Diagnostics>();
function verdict(source: string, flags: string): Diagnostics {
  const key = `/${source}/${flags}`;
  let d = verdicts.get(key);
  if (!d) {
    d = checkSync(source, flags, PARAMS);
    verdicts.set(key, d);
  }
  return d;
}

const where = (f: Found) => `${f.file}:${f.line} /${f.source}/${f.flags}`;

describe("ReDoS: every regular expression in src/", () => {
  const { found, dynamic } = collect();

  it("the checker itself tells the email check that stalled the server from a linear one", () => {
    const old = verdict("^[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+$", "");
    expect(old.status).toBe("vulnerable");
    expect(verdict("^rq_[A-Za-z0-9_-]{4,64}$", "").status).toBe("safe");
  });

  it("the search sees literals, RegExp(...) with literal arguments, and non-literal sources", () => {
    const sample = [
      "const a = /^x+$/iu;",
      'const b = new RegExp("^(a|b)*$", "g");',
      "const c = RegExp(`^y$`);",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text of a template literal
      "const d = new RegExp(`^${a}$`);",
      "const e = a.split(/\\s+/).map((w) => w.replace(/[<>]/g, ''));",
    ].join("\n");
    const { found: f, dynamic: d } = regexesIn("sample.ts", sample);
    expect(f.map((x) => [x.line, x.source, x.flags])).toEqual([
      [1, "^x+$", "iu"],
      [2, "^(a|b)*$", "g"],
      [3, "^y$", ""],
      [5, "\\s+", ""],
      [5, "[<>]", "g"],
    ]);
    expect(d.map((x) => x.line)).toEqual([4]);
    // And in src/: the Slack command parser's request id pattern is among those found.
    expect(found.some((x) => x.file === "src/adapters/slack/parse-command.ts")).toBe(true);
    expect(found.some((x) => x.file.startsWith("src/playground/public/"))).toBe(true);
    expect(found.length).toBeGreaterThan(50);
  });

  it("a RegExp built from a non-literal source is listed with why it is safe", () => {
    const unlisted = dynamic.filter((d) => !(d.file in DYNAMIC_ALLOWED)).map((d) => `${d.file}:${d.line}`);
    expect(unlisted, "RegExp from a non-literal source: make it a literal, or list it").toEqual([]);
  });

  // Several hundred patterns, most decided by automata analysis in milliseconds; the fuzzer takes
  // up to a few hundred milliseconds on the rest.
  it("recheck finds none vulnerable, and decides every one", { timeout: 300_000 }, () => {
    const problems: string[] = [];
    for (const f of found) {
      const d = verdict(f.source, f.flags);
      if (d.status === "vulnerable") {
        problems.push(`${where(f)}: vulnerable (${d.complexity.summary}; attack ${d.attack.pattern})`);
      } else if (d.status === "unknown" && !(`/${f.source}/${f.flags}` in UNKNOWN_ALLOWED)) {
        problems.push(
          `${where(f)}: recheck could not decide (${d.error.kind}): list it with a reason or simplify it`,
        );
      }
    }
    expect(problems).toEqual([]);
  });
});
