// The boundaries the conventions promise, checked on the sources themselves: the core imports no
// SDK, database or adapter; only config.ts reads the environment; files stay small; randomness
// comes from the Random port (crypto), never Math.random; SQL is written only in the database
// adapter, and each of its stores reaches the database one way.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src");
const MAX_LINES = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && /\.(ts|mts|js|mjs)$/.test(d.name))
    .map((d) => join(d.parentPath, d.name))
    .sort();
}

const srcFiles = sourceFiles(SRC).filter((f) => !f.startsWith(join(SRC, "generated") + sep));
const rel = (file: string) => relative(ROOT, file).split(sep).join("/");

/** Every module specifier: static and dynamic imports, re-exports, side-effect imports, require. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'`]([^"'`]+)["'`]/g;
  for (const m of text.matchAll(re)) if (m[1]) found.push(m[1]);
  return found;
}

const FORBIDDEN_PACKAGES = [
  /^@slack\//,
  /^botbuilder/,
  /^firebase-admin(\/|$)/,
  /^nodemailer(\/|$)/,
  /^@prisma\//,
  /^node-cron(\/|$)/,
  /^pg(\/|$)/,
  /^better-sqlite3(\/|$)/,
];
const FORBIDDEN_DIRS = ["adapters", "generated", "http"].map((d) => join(SRC, d));

/** Why the core may not import `spec` from `file`, or null when it may. */
function coreViolation(file: string, spec: string): string | null {
  if (spec.startsWith(".")) {
    const target = resolve(dirname(file), spec);
    const dir = FORBIDDEN_DIRS.find((d) => target === d || target.startsWith(d + sep));
    return dir ? `imports ${spec} (src/${relative(SRC, dir)})` : null;
  }
  return FORBIDDEN_PACKAGES.some((p) => p.test(spec)) ? `imports ${spec}` : null;
}

function coreViolations(file: string, text: string): string[] {
  return importsOf(text).flatMap((spec) => {
    const why = coreViolation(file, spec);
    return why ? [`${rel(file)} ${why}`] : [];
  });
}

/**
 * The folders of src/ and the arrows allowed between them: a newcomer reads here what may import
 * what. Inner layers never import outer ones: the core nothing; `shared` (loopback.ts, rate.ts,
 * private-files.ts) nothing; config only shared; http (router, limits, ops routes) the core and
 * shared, never an adapter; the simulator reaches the device API over HTTP, never its adapter; the
 * Playground drives the real adapters through HTTP, never their internals, and serves the local
 * platforms (local-platforms: the one Slack Web API and Bot Connector the tests' fakes wrap too).
 * compose.ts and main.ts
 * (the composition root) may import anything. "adapters/*" is any adapter folder.
 */
const ALLOWED: Record<string, string[]> = {
  core: [],
  shared: [],
  config: ["shared"],
  http: ["core", "shared"],
  inventory: ["core"],
  scheduler: ["core"],
  "adapters/root": ["core", "config", "shared"],
  "adapters/db": ["core", "shared", "generated"],
  "adapters/*": ["core", "config", "http", "shared", "adapters/root"],
  // The metrics adapter reads its gauges through the stores' ports (no SQL, no database adapter).
  "adapters/metrics": ["core", "http"],
  "adapters/slack": ["core", "config", "http", "shared", "adapters/root", "adapters/metrics"],
  "adapters/teams": ["core", "config", "http", "shared", "adapters/root", "adapters/metrics"],
  simulator: ["core", "config", "http", "shared"],
  // Slack's Web API and the Bot Connector played locally: the Playground serves them, the tests'
  // fakes wrap them (test/fakes). They import no Latchkey module; of src/, only the Playground uses them.
  "local-platforms": [],
  playground: ["core", "config", "http", "shared", "simulator", "local-platforms"],
  cli: ["core", "config", "compose", "inventory", "adapters/log", "adapters/intune"],
};
const SHARED = new Set(["loopback.ts", "rate.ts", "private-files.ts"]);

/** The layer of a file (or a module path) under src/. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  const [top = "", second] = parts;
  if (parts.length === 1) {
    const name = top.endsWith(".ts") ? top : `${top}.ts`;
    if (SHARED.has(name)) return "shared";
    if (name.startsWith("config")) return "config";
    return name.replace(/\.ts$/, ""); // compose, main
  }
  if (top === "adapters") return parts.length === 2 ? "adapters/root" : `adapters/${second}`;
  return top;
}

function allowed(from: string, to: string): boolean {
  if (from === "compose" || from === "main") return true;
  const rules = ALLOWED[from] ?? (from.startsWith("adapters/") ? ALLOWED["adapters/*"] : undefined);
  return rules?.includes(to) === true;
}

/**
 * SQL lives in the stores (src/adapters/db): Prisma's raw queries and SQL template tag, and a
 * driver's prepared statement. `.prepare(` counts when it is given SQL text or the file imports a
 * database driver: a mail sender's `prepare(envelope)` is not SQL.
 */
const DB_DIR = join(SRC, "adapters", "db");
const DRIVER_PACKAGES = /^(@prisma\/|pg(\/|$)|better-sqlite3(\/|$))|\/generated\//;
const SQL_MARKERS: [string, RegExp][] = [
  ["$queryRaw", /\$queryRaw/],
  ["$executeRaw", /\$executeRaw/],
  ["Prisma.sql", /\bPrisma\s*\.\s*(?:sql|raw|join)\b/],
];
function sqlIn(text: string): string[] {
  const found = SQL_MARKERS.filter(([, re]) => re.test(text)).map(([name]) => name);
  const prepares = /\.prepare\s*\(/.test(text);
  if (
    prepares &&
    (/\.prepare\s*\(\s*["'`]/.test(text) || importsOf(text).some((s) => DRIVER_PACKAGES.test(s)))
  )
    found.push(".prepare(");
  return found;
}

/**
 * One way in per store: a store (a module whose create… factory stores.ts calls) takes the driver
 * connection (DriverSql, driver-connection.ts) or the Prisma client (Db, open-database.ts, or its
 * raw queries and transactions), never both.
 */
const WAYS_IN: [string, (text: string) => boolean][] = [
  ["the driver connection", (t) => importsOf(t).some((s) => /(^|\/)driver-connection\.ts$/.test(s))],
  [
    "the Prisma client",
    (t) =>
      importsOf(t).some((s) => /(^|\/)open-database\.ts$/.test(s)) ||
      /\.\s*\$(?:queryRaw|executeRaw|transaction)/.test(t),
  ],
];
const waysIn = (text: string) => WAYS_IN.filter(([, uses]) => uses(text)).map(([name]) => name);
function storeFiles(): string[] {
  const text = readFileSync(join(DB_DIR, "stores.ts"), "utf8");
  const factories = /import\s*\{[^}]*\bcreate\w+[^}]*\}\s*from\s*["']\.\/([\w-]+\.ts)["']/g;
  return [...text.matchAll(factories)].map((m) => join(DB_DIR, m[1] ?? ""));
}

/** The composition roots hand process.env to the config parser; nothing else touches it. */
const ENV_PASSING: Record<string, RegExp> = {
  "src/main.ts": /\bloadConfig\(process\.env\)/g,
  "src/cli/main.ts": /\brunCli\([^;]*?,\s*process\.env\s*,/g,
};
const ENV_READ = /\bprocess\s*(?:\??\.\s*env\b|\[\s*["'`]env["'`]\s*\])|\}\s*=\s*process\b/;

/** Code (comments left out) that names the engine's stores: `engine.stores`, `{ stores } = engine`. */
function readsStores(text: string): boolean {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
  return /\bstores\b/.test(code);
}

function linesOf(text: string): number {
  const parts = text.split("\n");
  return text.endsWith("\n") ? parts.length - 1 : parts.length;
}

describe("the checks themselves", () => {
  const coreFile = join(SRC, "core", "reset", "example.ts");
  it("find every form of import", () => {
    const sample = [
      'import type { A } from "./a.ts";',
      "import {\n  b,\n  c,\n} from '../b.ts';",
      'import "side-effect";',
      'export * from "./re.ts";',
      'const x = await import("lazy");',
      'const y = require("old");',
    ].join("\n");
    expect(importsOf(sample)).toEqual(["./a.ts", "../b.ts", "side-effect", "./re.ts", "lazy", "old"]);
  });

  it("flag SDKs and adapter paths from the core, but not its own modules or node:", () => {
    const bad = [
      "@slack/bolt",
      "botbuilder",
      "botbuilder-core",
      "firebase-admin/messaging",
      "pg",
      "pg/lib/x",
      "@prisma/client",
      "../../adapters/db/stores.ts",
    ];
    for (const spec of bad) expect(coreViolation(coreFile, spec), spec).not.toBeNull();
    expect(coreViolation(coreFile, "../../generated/sqlite/client.ts")).not.toBeNull();
    expect(coreViolation(coreFile, "../../http/router.ts")).not.toBeNull();
    for (const spec of ["../engine.ts", "./deliver.ts", "node:crypto", "zod", "pgx-like"]) {
      expect(coreViolation(coreFile, spec), spec).toBeNull();
    }
  });

  it("spot a surface reaching into the stores, but not the word in a comment", () => {
    expect(readsStores("const d = await engine.stores.directory.device(id);")).toBe(true);
    expect(readsStores("const { directory } = deps.engine.stores;")).toBe(true);
    expect(readsStores("const { stores } = engine;")).toBe(true);
    expect(readsStores("// every activity first stores how to reach its sender\nconst x = 1;")).toBe(false);
    expect(readsStores("/** the simulator never stores it in clear */ const y = 2;")).toBe(false);
    expect(readsStores('const url = "https://example.com/a"; // stores')).toBe(false);
  });

  it("spot SQL however it is sent, and not a sender's prepare()", () => {
    for (const code of [
      "await db.$queryRawUnsafe('SELECT 1')",
      "await tx.$executeRaw`DELETE FROM x`",
      "const q = Prisma.sql`SELECT 1`;",
      'conn.prepare("SELECT 1").get()',
      'import Sqlite from "better-sqlite3";\nconst s = conn.prepare(text);',
    ])
      expect(sqlIn(code), code).not.toEqual([]);
    expect(sqlIn("prepared = await sender.prepare(envelope);")).toEqual([]);
  });

  it("tell a store that takes both ways in from one that takes one", () => {
    const driver = 'import type { DriverSql } from "./driver-connection.ts";';
    const prisma = 'import type { Db } from "./open-database.ts";';
    expect(waysIn(`${driver}\n${prisma}`)).toHaveLength(2);
    expect(waysIn(`${driver}\nawait db.$transaction(async (tx) => {});`)).toHaveLength(2);
    expect(waysIn(driver)).toEqual(["the driver connection"]);
    expect(waysIn(prisma)).toEqual(["the Prisma client"]);
  });

  it("spot reads of process.env however they are written", () => {
    for (const s of [
      "process.env.PORT",
      "process.env['X']",
      'process["env"]',
      "const { env } = process",
      "process?.env",
    ]) {
      expect(ENV_READ.test(s), s).toBe(true);
    }
  });
});

describe("architecture", () => {
  it("finds the sources", () => {
    expect(srcFiles.map(rel)).toContain("src/core/engine.ts");
    expect(srcFiles.map(rel)).toContain("src/config.ts");
  });

  it("imports only along the allowed arrows between folders (the table above)", () => {
    const strays: string[] = [];
    let arrows = 0;
    for (const f of srcFiles) {
      const from = layerOf(f);
      for (const spec of importsOf(readFileSync(f, "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const to = layerOf(resolve(dirname(f), spec));
        if (to === from) continue;
        arrows++;
        if (!allowed(from, to)) strays.push(`${rel(f)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(strays).toEqual([]);
    expect(arrows).toBeGreaterThan(100);
    // Every layer of the table exists, so the table cannot silently describe folders that went away.
    const layers = new Set(srcFiles.map(layerOf));
    for (const layer of Object.keys(ALLOWED).filter((l) => l !== "adapters/*"))
      expect(layers, layer).toContain(layer);
  });

  it("keeps SDKs, databases, adapters and HTTP out of src/core", () => {
    const core = sourceFiles(join(SRC, "core"));
    expect(core.length).toBeGreaterThan(5);
    const violations = core.flatMap((f) => coreViolations(f, readFileSync(f, "utf8")));
    expect(violations).toEqual([]);
  });

  it("lets only the core reach the stores: surfaces and adapters call use cases (issue 18, section 1)", () => {
    // The composition root builds the stores; adapters/db implements them; everything else (Slack,
    // Teams, the CLI, the Playground, the simulator, the scheduler, HTTP) goes through src/core.
    const owners = (f: string) =>
      f.startsWith(join(SRC, "core") + sep) ||
      f.startsWith(join(SRC, "adapters", "db") + sep) ||
      f === join(SRC, "compose.ts");
    const outside = srcFiles.filter((f) => !owners(f));
    expect(outside.length).toBeGreaterThan(50);
    const readers = outside.filter((f) => readsStores(readFileSync(f, "utf8"))).map(rel);
    expect(readers).toEqual([]);
  });

  it("keeps each chat SDK inside its own adapter folder (swapping an SDK is a one-folder change)", () => {
    const homes: [RegExp, string][] = [
      [/^@slack\//, "src/adapters/slack/"],
      [/^(botbuilder|botframework-|adaptivecards|adaptive-expressions)/, "src/adapters/teams/"],
    ];
    const strays = srcFiles.flatMap((f) =>
      importsOf(readFileSync(f, "utf8")).flatMap((spec) =>
        homes
          .filter(([pattern, home]) => pattern.test(spec) && !rel(f).startsWith(home))
          .map(([, home]) => `${rel(f)} imports ${spec} (belongs in ${home})`),
      ),
    );
    expect(strays).toEqual([]);
    const slackFiles = srcFiles.filter((f) =>
      importsOf(readFileSync(f, "utf8")).some((s) => /^@slack\//.test(s)),
    );
    expect(slackFiles.length).toBeGreaterThan(3);
  });

  it("reads process.env only in src/config.ts (the entry points only pass it to the parser)", () => {
    const offenders = srcFiles
      .filter((f) => rel(f) !== "src/config.ts")
      .filter((f) => {
        const allowed = ENV_PASSING[rel(f)];
        const text = readFileSync(f, "utf8");
        return ENV_READ.test(allowed ? text.replace(allowed, "") : text);
      })
      .map(rel);
    expect(offenders).toEqual([]);
  });

  it("writes SQL only in src/adapters/db (the stores): none in http, metrics, the core, scripts…", () => {
    const outside = [
      ...srcFiles,
      ...sourceFiles(join(ROOT, "scripts")),
      ...sourceFiles(join(ROOT, "bin")),
    ].filter((f) => !f.startsWith(DB_DIR + sep));
    const offenders = outside.flatMap((f) => sqlIn(readFileSync(f, "utf8")).map((m) => `${rel(f)}: ${m}`));
    expect(offenders).toEqual([]);
    // The detector sees the stores' SQL, so an empty list above is not a blind one.
    expect(sqlIn(readFileSync(join(DB_DIR, "request-store.ts"), "utf8"))).toContain("Prisma.sql");
  });

  it("imports a database driver or the Prisma client only in src/adapters/db", () => {
    const strays = srcFiles
      .filter((f) => !f.startsWith(DB_DIR + sep))
      .flatMap((f) =>
        importsOf(readFileSync(f, "utf8"))
          .filter((s) => DRIVER_PACKAGES.test(s))
          .map((s) => `${rel(f)} imports ${s}`),
      );
    expect(strays).toEqual([]);
  });

  it("gives each store one way to the database: the driver connection or the Prisma client", () => {
    const stores = storeFiles();
    expect(stores.map(rel)).toContain("src/adapters/db/request-store.ts");
    expect(stores.length).toBeGreaterThanOrEqual(8);
    const mixed = stores
      .map((f) => ({ file: rel(f), ways: waysIn(readFileSync(f, "utf8")) }))
      .filter((s) => s.ways.length > 1);
    expect(mixed).toEqual([]);
    // Every store reaches the database somehow: the detector is not blind.
    for (const f of stores) expect(waysIn(readFileSync(f, "utf8")), rel(f)).toHaveLength(1);
  });

  it(`keeps every source file at ${MAX_LINES} lines or fewer`, () => {
    const long = srcFiles
      .map((f) => ({ file: rel(f), lines: linesOf(readFileSync(f, "utf8")) }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it("keeps every test and benchmark file at 500 lines or fewer (split by what it tests)", () => {
    const files = [...sourceFiles(join(ROOT, "test")), ...sourceFiles(join(ROOT, "bench"))];
    expect(files.length).toBeGreaterThan(100);
    const long = files
      .map((f) => ({ file: rel(f), lines: linesOf(readFileSync(f, "utf8")) }))
      .filter((f) => f.lines > 500);
    expect(long).toEqual([]);
  });

  it("never uses async_hooks or AsyncLocalStorage (on Node 20 they put a hook on every promise)", () => {
    const offenders = srcFiles
      .filter((f) => {
        const text = readFileSync(f, "utf8");
        return (
          importsOf(text).some((s) => /^(node:)?async_hooks$/.test(s)) || /\bAsyncLocalStorage\b/.test(text)
        );
      })
      .map(rel);
    expect(offenders).toEqual([]);
  });

  it("never uses Math.random (secrets and ids come from node:crypto)", () => {
    const offenders = srcFiles.filter((f) => /\bMath\s*\.\s*random\b/.test(readFileSync(f, "utf8"))).map(rel);
    expect(offenders).toEqual([]);
  });
});
