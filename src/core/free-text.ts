// Free text from outside Latchkey (a cancel or reject reason, a device's failure report) is stored
// and then shown in chat threads, the CLI, emails and the audit log. Control characters there could
// rewrite a terminal line, split a log or audit row, or (bidi overrides) make "gpj.exe" read as
// "exe.jpg": each is replaced by a space, runs of whitespace become one space, and the text is capped.

/** Bidi embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069). */
const isBidiControl = (c: number) => (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
/** C0, DEL and C1. */
const isControl = (c: number) => c <= 0x1f || (c >= 0x7f && c <= 0x9f) || isBidiControl(c);
const isSpace = (ch: string) => /\s/.test(ch);

/**
 * One line of at most `maxLength` characters (an ellipsis ends a text that was cut), with no control
 * characters and no run of whitespace; "" when nothing printable is left.
 */
export function cleanFreeText(text: string, maxLength: number): string {
  let out = "";
  let pendingSpace = false;
  for (const ch of text) {
    if (isControl(ch.codePointAt(0) ?? 0) || isSpace(ch)) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (pendingSpace) out += " ";
    pendingSpace = false;
    out += ch;
    // Enough to know the text must be cut: stop reading a long input early.
    if (out.length > maxLength) break;
  }
  return cap(out, maxLength);
}

/** How long a cancel or reject reason may be, as stored. */
export const REASON_MAX = 200;

/** " Reason: …" for a timeline event, an outcome and an audit row, or "" when none was given. */
export function reasonSuffix(reason: string | undefined): string {
  const clean = cleanFreeText(reason ?? "", REASON_MAX);
  return clean ? ` Reason: ${clean}` : "";
}

/**
 * Text a caller chose that is not prose (a device id tried at enrollment), as an audit row may hold
 * it: control, format (bidi, zero-width) and line-separator characters removed, at most `maxLength`.
 */
export function callerText(text: string, maxLength: number): string {
  return cap(text.slice(0, 4 * maxLength).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ""), maxLength);
}

/** Cut to `max` characters with an ellipsis, never through a surrogate pair. */
function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  let cut = text.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}
