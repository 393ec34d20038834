// Random and malformed inventory files: the JSON and CSV parsers never throw and always locate what
// is wrong; a file they refuse, imported with the CLI's import command into a running embedded
// Latchkey, changes nothing (people, devices, requests...) and says so; files broken on purpose
// (a bad platform, boolean, date or owner, a truncated document, a broken quote) are always refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importFile } from "../../src/cli/commands.ts";
import { runCli } from "../../src/cli/main.ts";
import { PROJECT_ROOT } from "../../src/compose.ts";
import { CSV_COLUMNS } from "../../src/inventory/csv.ts";
import { MAX_ERRORS, parseInventory } from "../../src/inventory/parse-inventory.ts";
import { type Embedded, startEmbedded } from "../support/embedded.ts";
import {
  expectHealthy,
  expectUnchanged,
  inputTally,
  runs,
  type Snapshot,
  seedOption,
  snapshot,
  timeoutFor,
} from "./fuzz-support.ts";

const tally = inputTally("inventory");
afterAll(() => {
  const path = tally.save();
  console.info(`inventory fuzz: ${JSON.stringify(tally.counts)} -> ${path}`);
});

type Row = Record<string, unknown>;
const DEMO = JSON.parse(readFileSync(join(PROJECT_ROOT, "demo", "inventory.json"), "utf8")) as {
  people: Row[];
  devices: Row[];
};

/** The demo inventory as the CSV an MDM would export (one row per device, nested fields dotted). */
function demoCsvRows(): string[][] {
  const names = new Map(DEMO.people.map((p) => [p.email, p.name]));
  return DEMO.devices.map((d) =>
    CSV_COLUMNS.map((c) => {
      if (c === "ownerName") return String(names.get(d.owner) ?? "");
      const [outer, inner] = c.split(".");
      const v = inner ? (d[outer as string] as Row | undefined)?.[inner] : d[c];
      return v === undefined || v === null ? "" : String(v);
    }),
  );
}
const csvCell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csvText = (rows: string[][]) =>
  [CSV_COLUMNS.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\n");

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 100 }),
  fc.string({ maxLength: 5000 }),
);

/** Demo JSON broken in one place the README says is an error. */
const brokenJson = fc.oneof(
  fc
    .tuple(
      fc.nat(DEMO.devices.length - 1),
      fc.constantFrom(
        ["platform", "androidx"],
        ["platform", 7],
        ["managementMode", "root"],
        ["passcodeSet", "maybe"],
        ["owner", "nobody@example.com"],
        ["owner", ""],
        ["id", ""],
        ["id", null],
        ["osVersion", { major: 7 }],
        ["lastSeenAt", "yesterday"],
        ["pendingAction", "reboot"],
        ["passcodePolicy", { enforced: "sure", type: "numeric", minLength: -4 }],
        ["passcodePolicy", "strong"],
      ),
    )
    .map(([i, [field, value]]) => {
      const devices = DEMO.devices.map((d, j) => (j === i ? { ...d, [field as string]: value } : d));
      return {
        why: `device ${i} ${field}=${JSON.stringify(value)}`,
        text: JSON.stringify({ ...DEMO, devices }),
      };
    }),
  fc
    .tuple(
      fc.nat(DEMO.people.length - 1),
      fc.constantFrom(["email", "not-an-email"], ["email", 5], ["role", "root"], ["name", ""]),
    )
    .map(([i, [field, value]]) => {
      const people = DEMO.people.map((p, j) => (j === i ? { ...p, [field as string]: value } : p));
      return {
        why: `person ${i} ${field}=${JSON.stringify(value)}`,
        text: JSON.stringify({ ...DEMO, people }),
      };
    }),
  fc.integer({ min: 1, max: 5000 }).map((cut) => {
    const whole = JSON.stringify(DEMO, null, 2);
    return { why: `truncated at ${cut}`, text: whole.slice(0, Math.min(cut, whole.length - 2)) };
  }),
  fc
    .constantFrom("[]", "null", '"people"', "{}", '{"people":5,"devices":[]}', '{"people":[],"devices":{}}')
    .map((text) => ({
      why: `shape ${text}`,
      text,
    })),
);

/** Demo CSV broken in one place. */
const brokenCsv = fc
  .tuple(
    fc.nat(DEMO.devices.length - 1),
    fc.constantFrom(
      ["platform", "androidx"],
      ["managementMode", "ROOT"],
      ["passcodeSet", "maybe"],
      ["resetTokenActive", "2"],
      ["owner", "not-an-email"],
      ["id", ""],
      ["lastSeenAt", "2026-13-45"],
      ["passcodePolicy.minLength", "six"],
      ["pendingAction", "explode"],
    ),
  )
  .map(([i, [column, value]]) => {
    const rows = demoCsvRows();
    const at = CSV_COLUMNS.indexOf(column as (typeof CSV_COLUMNS)[number]);
    const row = rows[i] as string[];
    row[at] = value as string;
    return { why: `line ${i + 2} ${column}=${value}`, text: csvText(rows) };
  });
const brokenCsvShape = fc.oneof(
  fc.nat(DEMO.devices.length - 1).map((i) => {
    const lines = csvText(demoCsvRows()).split("\n");
    lines[i + 1] = `${lines[i + 1]},extra`;
    return { why: `line ${i + 2} has a column too many`, text: lines.join("\n") };
  }),
  fc.nat(DEMO.devices.length - 1).map((i) => {
    const lines = csvText(demoCsvRows()).split("\n");
    lines[i + 1] = `"${lines[i + 1]}`;
    return { why: `line ${i + 2} opens a quote it never closes`, text: lines.join("\n") };
  }),
  fc.constant({ why: "header only, wrong names", text: "id;owner;name\nx;y;z" }),
);

function expectLocatedErrors(result: ReturnType<typeof parseInventory>, what: string): void {
  expect(result.ok, what).toBe(false);
  if (result.ok) return;
  expect(result.errors.length, what).toBeGreaterThan(0);
  expect(result.errors.length).toBeLessThanOrEqual(MAX_ERRORS + 1);
  for (const e of result.errors) {
    expect(typeof e.location).toBe("string");
    expect(e.location.length, JSON.stringify(e)).toBeGreaterThan(0);
    expect(e.message.length, JSON.stringify(e)).toBeGreaterThan(3);
  }
}

describe("inventory parsers", () => {
  const n = runs(150);

  it("never throw on any text; a refusal always locates its errors; an accepted file is consistent", () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom("json" as const, "csv" as const), (text, format) => {
        tally.add(`random ${format} text`);
        const result = parseInventory(text, format);
        if (!result.ok) return expectLocatedErrors(result, text.slice(0, 100));
        const emails = new Set(result.people.map((p) => p.email));
        for (const d of result.devices) expect(emails.has(d.ownerEmail)).toBe(true);
      }),
      { numRuns: n, ...seedOption() },
    );
  });

  it("refuse every file broken on purpose, naming where", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          brokenJson.map((b) => ({ ...b, format: "json" as const })),
          fc.oneof(brokenCsv, brokenCsvShape).map((b) => ({ ...b, format: "csv" as const })),
        ),
        (b) => {
          tally.add(`broken ${b.format} file`);
          expectLocatedErrors(parseInventory(b.text, b.format), `${b.format}: ${b.why}`);
        },
      ),
      { numRuns: n, ...seedOption() },
    );
  });
});

describe("latchkey import with malformed files, against a running Latchkey", () => {
  let h: Embedded;
  let dir: string;
  let before: Snapshot;
  beforeAll(async () => {
    h = await startEmbedded("fuzz-inventory", { TEAMS_ENABLED: "false" }, () => ({}));
    dir = mkdtempSync(join(tmpdir(), "latchkey-fuzz-import-"));
    before = await snapshot(h.running.core.database.db);
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h?.stop();
  });

  const n = runs(30);
  const malformed = fc.oneof(
    brokenJson.map((b) => ({ ...b, name: "devices.json" })),
    fc.oneof(brokenCsv, brokenCsvShape).map((b) => ({ ...b, name: "devices.CSV" })),
    anyText
      .filter((t) => !parseInventory(t, "json").ok)
      .map((text) => ({ why: "random text", text, name: "mdm-export.json" })),
  );

  it(
    "the import command refuses them, says nothing was changed, and nothing is",
    async () => {
      const { engine, database } = h.running.core;
      let i = 0;
      await fc.assert(
        fc.asyncProperty(malformed, async (m) => {
          tally.add("import command");
          const file = join(dir, `${i++}-${m.name}`);
          writeFileSync(file, m.text);
          const out: string[] = [];
          const err: string[] = [];
          const code = await importFile(engine, { out: (t) => out.push(t), err: (t) => err.push(t) }, file);
          expect(code, m.why).toBe(1);
          expect(out).toEqual([]);
          expect(err[0]).toContain("was not imported (nothing was changed)");
          expect(err.length).toBeGreaterThan(1);
        }),
        { numRuns: n, ...seedOption() },
      );
      await expectHealthy(h.running.url);
      expectUnchanged(before, await snapshot(database.db), "malformed imports");
    },
    timeoutFor(n, 200),
  );

  it(
    "the CLI process entry point (runCli) refuses them too, on the server's own database",
    async () => {
      const samples = fc.sample(malformed, { numRuns: Math.min(n, 6), ...seedOption() });
      for (const [j, m] of samples.entries()) {
        tally.add("CLI import");
        const file = join(dir, `cli-${j}-${m.name}`);
        writeFileSync(file, m.text);
        const err: string[] = [];
        const code = await runCli(
          ["import", file],
          { DATA_DIR: h.dir, LOG_LEVEL: "error" },
          {
            out: () => undefined,
            err: (t) => err.push(t),
          },
        );
        expect(code, m.why).toBe(1);
        expect(err[0]).toContain("nothing was changed");
      }
      // A name the CLI cannot read a format from is a usage error, before the file is read.
      tally.add("CLI import");
      await expect(
        runCli(
          ["import", join(dir, "inventory.xlsx")],
          { DATA_DIR: h.dir, LOG_LEVEL: "error" },
          {
            out: () => undefined,
            err: () => undefined,
          },
        ),
      ).rejects.toThrow(/name it \.json or \.csv/);
      await expectHealthy(h.running.url);
      expectUnchanged(before, await snapshot(h.running.core.database.db), "malformed CLI imports");
    },
    timeoutFor(6, 3000),
  );
});
