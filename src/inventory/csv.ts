// CSV side of the inventory import: one row per device, its owner in the same row. Turns cells into
// the same raw shape as the JSON contract (booleans and numbers converted strictly) so both formats
// go through one validation. Line numbers are those an editor shows (header = line 1).
import { parse } from "csv-parse/sync";

export const CSV_COLUMNS = [
  "id",
  "owner",
  "ownerName",
  "name",
  "platform",
  "osVersion",
  "managementMode",
  "passcodeSet",
  "passcodePolicy.enforced",
  "passcodePolicy.type",
  "passcodePolicy.minLength",
  "passcodePolicy.complexity",
  "resetTokenActive",
  "lastSeenAt",
  "pendingAction",
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

const REQUIRED: readonly CsvColumn[] = [
  "id",
  "owner",
  "name",
  "platform",
  "osVersion",
  "managementMode",
  "passcodeSet",
];
const BOOLEAN_COLUMNS = new Set<string>(["passcodeSet", "passcodePolicy.enforced", "resetTokenActive"]);
const TRUE = new Set(["true", "yes", "1"]);
const FALSE = new Set(["false", "no", "0"]);

export interface CsvIssue {
  line: number;
  column?: string;
  message: string;
}

export interface CsvRow {
  line: number;
  /** The JSON-contract shape of the device (`owner` = raw email); empty cells are left out. */
  device: Record<string, unknown>;
  ownerName: string | undefined;
  /** Columns whose cell could not be converted (already reported). */
  badColumns: Set<string>;
}

/** "yes" -> true; anything outside true/false/yes/no/1/0 is an error, never a guess. */
export function parseCsvBoolean(cell: string): boolean | null {
  const v = cell.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return null;
}

function convert(column: string, cell: string): { value: unknown } | { error: string } {
  if (BOOLEAN_COLUMNS.has(column)) {
    const b = parseCsvBoolean(cell);
    return b === null
      ? { error: `expected true/false, yes/no or 1/0, got ${JSON.stringify(cell)}` }
      : { value: b };
  }
  if (column === "passcodePolicy.minLength") {
    return /^\d{1,6}$/.test(cell)
      ? { value: Number(cell) }
      : { error: `expected a whole number, got ${JSON.stringify(cell)}` };
  }
  return { value: cell };
}

function delimiterOf(text: string): string {
  const header = text.split(/\r\n|\n|\r/, 1)[0] ?? "";
  if (header.includes(",")) return ",";
  if (header.includes(";")) return ";";
  return header.includes("\t") ? "\t" : ",";
}

function splitLines(s: string): number {
  return s.match(/\r\n|\r|\n/g)?.length ?? 0;
}

export function readCsv(text: string): { rows: CsvRow[]; issues: CsvIssue[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: delimiterOf(text.replace(/^\uFEFF/, "")),
      record_delimiter: ["\r\n", "\n", "\r"],
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as typeof records;
  } catch (err) {
    const e = err as { message?: unknown; lines?: unknown };
    const line = typeof e.lines === "number" && e.lines > 0 ? e.lines : 1;
    const message = typeof e.message === "string" ? e.message : String(err);
    return { rows: [], issues: [{ line, message: `invalid CSV: ${message}` }] };
  }

  const issues: CsvIssue[] = [];
  const [head, ...body] = records;
  if (!head)
    return {
      rows: [],
      issues: [{ line: 1, message: `the file is empty; expected a header line: ${CSV_COLUMNS.join(",")}` }],
    };
  // Header: known columns by name, any order, case-insensitive; unknown columns are ignored.
  const byLower = new Map(CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const index = new Map<CsvColumn, number>();
  head.record.forEach((name, i) => {
    const col = byLower.get(name.toLowerCase());
    if (!col) return;
    if (index.has(col))
      issues.push({ line: 1, column: col, message: "this column appears twice in the header" });
    else index.set(col, i);
  });
  const missing = REQUIRED.filter((c) => !index.has(c));
  if (missing.length > 0) {
    issues.push({
      line: 1,
      message: `missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} in the header`,
    });
  }
  if (issues.length > 0) return { rows: [], issues };

  const rows: CsvRow[] = [];
  for (const { record, info } of body) {
    if (record.every((cell) => cell === "")) continue; // a blank line, or only separators
    const line = info.lines - splitLines(record.join(""));
    if (record.length !== head.record.length) {
      issues.push({
        line,
        message: `expected ${head.record.length} cells (one per header column), found ${record.length}; check for a missing or extra separator`,
      });
      continue;
    }
    const device: Record<string, unknown> = {};
    const badColumns = new Set<string>();
    for (const [col, i] of index) {
      const cell = record[i] ?? "";
      if (cell === "" || col === "ownerName") continue;
      const out = convert(col, cell);
      if ("error" in out) {
        issues.push({ line, column: col, message: out.error });
        badColumns.add(col);
        continue;
      }
      const [outer, inner] = col.split(".") as [string, string | undefined];
      if (inner === undefined) device[outer] = out.value;
      else device[outer] = { ...(device[outer] as object | undefined), [inner]: out.value };
    }
    const ownerCell = index.has("ownerName") ? record[index.get("ownerName") as number] : undefined;
    rows.push({ line, device, ownerName: ownerCell || undefined, badColumns });
  }
  return { rows, issues };
}
