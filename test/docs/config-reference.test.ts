// One source for the configuration reference: the zod schema in src/config.ts. docs/configuration.md
// (the reference) and .env.example (the annotated template) must name exactly the schema's
// variables, and no other page may keep a table of its own. The schema is not exported, so its
// keys are read from the source with the TypeScript parser: the object given to z.object, and
// whatever it merges (spreads, .extend, .merge, .shape) from this file or a local import such as
// a src/config-<backend>.ts fragment. A shape it cannot read fails the test by name.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CONFIG = join(ROOT, "src/config.ts");
const VARIABLE = /^[A-Z][A-Z0-9_]*$/;

interface SchemaKey {
  /** A literal default written in the schema (`.default(3000)`, `duration("24h")`, `bool(name, true)`). */
  fallback?: string;
  /** The options of a `z.enum([...])`. */
  options?: string[];
}

const sources = new Map<string, ts.SourceFile>();
function sourceFile(path: string): ts.SourceFile {
  let file = sources.get(path);
  if (!file) {
    file = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
    sources.set(path, file);
  }
  return file;
}

const where = (node: ts.Node) => {
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart());
  return `${file.fileName.slice(ROOT.length + 1)}:${line + 1}`;
};
const unreadable = (node: ts.Node, what: string) =>
  new Error(`${where(node)}: cannot read the environment schema's keys from ${what}: ${node.getText()}`);

/** The initializer of a top-level `const name = …` in this file, or of the export of a local import. */
function resolveIdentifier(name: string, file: ts.SourceFile): ts.Expression {
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
      }
    }
    if (
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text.startsWith(".")
    ) {
      const named = statement.importClause?.namedBindings;
      if (!named || !ts.isNamedImports(named)) continue;
      const hit = named.elements.find((e) => e.name.text === name);
      if (!hit) continue;
      const path = resolve(dirname(file.fileName), statement.moduleSpecifier.text);
      const target = existsSync(path) ? path : path.replace(/\.js$/, ".ts");
      return resolveIdentifier((hit.propertyName ?? hit.name).text, sourceFile(target));
    }
  }
  throw new Error(`${file.fileName.slice(ROOT.length + 1)}: no top-level const or local import "${name}"`);
}

const literal = (node: ts.Expression | undefined): string | undefined => {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isNumericLiteral(node)) {
    return node.text;
  }
  if (node.kind === ts.SyntaxKind.TrueKeyword) return "true";
  if (node.kind === ts.SyntaxKind.FalseKeyword) return "false";
  return undefined;
};

/** What the documentation can be checked against, from one property's schema expression. */
function describeValue(node: ts.Expression): SchemaKey {
  const key: SchemaKey = {};
  let at: ts.Expression = node;
  while (ts.isCallExpression(at)) {
    const callee = at.expression;
    const name = ts.isPropertyAccessExpression(callee)
      ? callee.name.text
      : ts.isIdentifier(callee)
        ? callee.text
        : "";
    if (name === "default") key.fallback ??= literal(at.arguments[0]);
    if (name === "duration") key.fallback ??= literal(at.arguments[0]);
    if (name === "bool") key.fallback ??= literal(at.arguments[1]);
    const first = at.arguments[0];
    if (name === "enum" && first && ts.isArrayLiteralExpression(first)) {
      key.options = first.elements.map((e) => literal(e)).filter((v): v is string => v !== undefined);
    }
    if (!ts.isPropertyAccessExpression(callee)) break;
    at = callee.expression;
  }
  return key;
}

function keysOfObjectLiteral(node: ts.ObjectLiteralExpression, out: Map<string, SchemaKey>): void {
  for (const p of node.properties) {
    if (ts.isSpreadAssignment(p)) {
      keysOf(p.expression, out);
      continue;
    }
    const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
    if (!name) throw unreadable(p, "a computed property");
    if (ts.isPropertyAssignment(p)) out.set(name, describeValue(p.initializer));
    else if (ts.isShorthandPropertyAssignment(p)) {
      out.set(name, describeValue(resolveIdentifier(name, p.getSourceFile())));
    } else throw unreadable(p, "a method or accessor");
  }
}

/** The keys of a zod object schema (or of a plain object of zod fields spread into one). */
function keysOf(node: ts.Expression, out = new Map<string, SchemaKey>()): Map<string, SchemaKey> {
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) {
    return keysOf(node.expression, out);
  }
  if (ts.isObjectLiteralExpression(node)) {
    keysOfObjectLiteral(node, out);
    return out;
  }
  if (ts.isIdentifier(node)) return keysOf(resolveIdentifier(node.text, node.getSourceFile()), out);
  if (ts.isPropertyAccessExpression(node) && node.name.text === "shape") return keysOf(node.expression, out);
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    const method = node.expression.name.text;
    const receiver = node.expression.expression;
    const [arg] = node.arguments;
    if (["object", "strictObject", "looseObject"].includes(method) && arg) return keysOf(arg, out);
    if (["extend", "merge", "and"].includes(method) && arg) {
      keysOf(receiver, out);
      return keysOf(arg, out);
    }
    if (method === "intersection" && node.arguments.length === 2) {
      for (const a of node.arguments) keysOf(a, out);
      return out;
    }
    if (method === "omit" || method === "pick") {
      if (!arg || !ts.isObjectLiteralExpression(arg)) throw unreadable(node, `.${method}()`);
      const listed = new Set(arg.properties.map((p) => p.name?.getText().replace(/^["']|["']$/g, "")));
      const all = keysOf(receiver);
      for (const [k, v] of all) if ((method === "omit") !== listed.has(k)) out.set(k, v);
      return out;
    }
    // .strict(), .passthrough(), .refine(), .superRefine(), .transform(): the same input keys.
    return keysOf(receiver, out);
  }
  throw unreadable(node, "this expression");
}

/**
 * The schema loadConfig parses: the receiver of the first `.safeParse(` / `.parse(` call in
 * src/config.ts whose receiver is an object schema (an identifier, or an expression such as
 * `envSchema.extend(...)`).
 */
function schemaKeys(): Map<string, SchemaKey> {
  const receivers: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ["safeParse", "parse"].includes(node.expression.name.text)
    ) {
      receivers.push(node.expression.expression);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile(CONFIG));
  const errors: string[] = [];
  for (const receiver of receivers) {
    try {
      const keys = keysOf(receiver);
      if (keys.size > 0) return keys;
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  throw new Error(
    `src/config.ts: found no schema.safeParse(...) or schema.parse(...) whose schema could be read\n${errors.join("\n")}`,
  );
}

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** Table rows whose first cell is a backticked VARIABLE: the variable and the whole row. */
function tableRows(markdown: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of markdown.split("\n")) {
    const m = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line);
    if (m?.[1]) rows.set(m[1], line);
  }
  return rows;
}

/** Variables .env.example assigns, commented out (`#NAME=`) or not. */
function envExampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

const missing = (want: Iterable<string>, have: { has(k: string): boolean }) =>
  [...want].filter((k) => !have.has(k)).sort();

const keys = schemaKeys();

describe("the configuration reference", () => {
  it("reads the schema: every variable name, the ones that must be there included", () => {
    for (const name of keys.keys()) expect(name).toMatch(VARIABLE);
    expect([...keys.keys()]).toEqual(
      expect.arrayContaining([
        "PORT",
        "DATABASE_URL",
        "SLACK_HTTP_RECEIVER",
        "TRUST_PROXY_HOPS",
        "LOG_LEVEL",
      ]),
    );
  });

  it("docs/configuration.md documents every variable of the schema and no other", () => {
    const rows = tableRows(read("docs/configuration.md"));
    expect(missing(keys.keys(), rows), "in the schema, not in docs/configuration.md").toEqual([]);
    expect(missing(rows.keys(), keys), "in docs/configuration.md, not in the schema").toEqual([]);
  });

  it("gives each variable a default and a meaning, with the schema's literal default and options", () => {
    const rows = tableRows(read("docs/configuration.md"));
    for (const [name, key] of keys) {
      const row = rows.get(name) ?? "";
      const cells = row.split("|").slice(1, -1);
      expect(cells, `${name}: | variable | default | meaning |`).toHaveLength(3);
      expect(cells[1]?.trim(), `${name}: default`).not.toBe("");
      expect(cells[2]?.trim(), `${name}: meaning`).not.toBe("");
      if (key.fallback !== undefined) {
        expect(cells[1], `${name}: the schema's default`).toContain(`\`${key.fallback}\``);
      }
      for (const option of key.options ?? []) expect(row, `${name}: option ${option}`).toContain(option);
    }
  });

  it(".env.example names every variable of the schema and no other", () => {
    const names = envExampleNames(read(".env.example"));
    expect(missing(keys.keys(), names), "in the schema, not in .env.example").toEqual([]);
    expect(missing(names, keys), "in .env.example, not in the schema").toEqual([]);
  });

  it("keeps no second table of the variables in the README or another page of docs/", () => {
    const pages = [
      "README.md",
      ...readdirSync(join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md") && f !== "configuration.md")
        .map((f) => `docs/${f}`),
    ];
    const copies = pages.flatMap((page) =>
      [...tableRows(read(page)).keys()].filter((k) => keys.has(k)).map((k) => `${page}: ${k}`),
    );
    expect(copies, "link to docs/configuration.md instead").toEqual([]);
  });
});
