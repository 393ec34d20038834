// Finds where a JSON text stops being valid, as "line L, column C". Node 20's JSON.parse often names
// no position ("Unexpected token '}', ... is not valid JSON"), so this small scanner re-reads the text
// after JSON.parse has failed. Iterative (no recursion), so deeply nested junk cannot overflow the stack.

export interface JsonSyntaxError {
  line: number;
  column: number;
  reason: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

/** 1-based line and column of `index`, as an editor shows them (CRLF, LF and CR end a line). */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    const c = text[i];
    if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

/** The first syntax error in `text`, or null when it is valid JSON. */
export function jsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  const closers: string[] = [];
  const fail = (reason: string): JsonSyntaxError => ({ ...lineColumn(text, i), reason });
  const skipSpace = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const readString = (): string | null => {
    i++; // opening quote
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return null;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && ESCAPES.has(e)) i += 2;
        else return "invalid escape sequence in a string";
      } else if (c.charCodeAt(0) < 0x20) {
        return "line break or control character inside a string";
      } else {
        i++;
      }
    }
    return "unterminated string (missing closing quote)";
  };
  /** Reads `"key" :` inside an object; null when fine. */
  const readKey = (): string | null => {
    skipSpace();
    if (text[i] !== '"')
      return i >= text.length ? "unexpected end of input" : "expected a property name in double quotes";
    const bad = readString();
    if (bad) return bad;
    skipSpace();
    if (text[i] !== ":") return 'expected ":" after the property name';
    i++;
    return null;
  };

  let expectValue = true;
  for (;;) {
    skipSpace();
    const c = text[i];
    if (expectValue) {
      if (c === undefined) return fail("unexpected end of input");
      if (c === "{" || c === "[") {
        i++;
        closers.push(c === "{" ? "}" : "]");
        skipSpace();
        if (text[i] === closers[closers.length - 1]) {
          i++;
          closers.pop();
          expectValue = false;
        } else if (c === "{") {
          const bad = readKey();
          if (bad) return fail(bad);
        }
        continue;
      }
      if (c === '"') {
        const bad = readString();
        if (bad) return fail(bad);
      } else if (text.startsWith("true", i) || text.startsWith("null", i)) {
        i += 4;
      } else if (text.startsWith("false", i)) {
        i += 5;
      } else {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(text)) return fail(`unexpected character ${JSON.stringify(c)}: expected a value`);
        i = NUMBER.lastIndex;
      }
      expectValue = false;
      continue;
    }
    const closer = closers[closers.length - 1];
    if (closer === undefined)
      return c === undefined ? null : fail("unexpected text after the end of the JSON value");
    if (c === undefined) return fail(`unexpected end of input: expected "," or "${closer}"`);
    if (c === closer) {
      i++;
      closers.pop();
    } else if (c === ",") {
      i++;
      if (closer === "}") {
        const bad = readKey();
        if (bad) return fail(bad);
      }
      expectValue = true;
    } else {
      return fail(`expected "," or "${closer}"`);
    }
  }
}
