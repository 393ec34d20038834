// Teams reads a card's TextBlocks and facts, and the bot's text messages, as Markdown: a device's
// failure reason (which may come from a thief's phone) or a cancel or reject reason shown there as
// it is would become a link ("[Unlock here](https://evil.example)"), emphasis, a list or a heading.
// Such text goes through `escapeMarkdown` before it is bound into a card (render.ts) or written into
// a message (teams-timeline.ts), so it shows as written. Teams also turns bare URLs and domain names
// into links by itself: those are defanged as security tools show indicators
// ("https[:]//evil[.]example"), so nothing from outside is ever one click away. Email addresses are
// left alone (they are how people are named here).

/** Escaped wherever they are: link brackets, emphasis, code, autolinks and HTML, escapes themselves. */
const ALWAYS = new Set(["\\", "`", "*", "[", "]", "<", ">", "~", "|"]);
/** Escaped at the start of a line only: headings, list bullets, setext underlines. */
const LINE_START = new Set(["#", "-", "+", "="]);

const isAlnum = (ch: string | undefined) => ch !== undefined && /^[\p{L}\p{N}]$/u.test(ch);
const isDigit = (ch: string | undefined) => ch !== undefined && ch >= "0" && ch <= "9";

/** `text` as Teams Markdown that shows exactly these characters and links nowhere. */
export function escapeMarkdown(text: string): string {
  return text
    .split("\n")
    .map((line) => escapeLine(line).split(" ").map(defang).join(" "))
    .join("\n");
}

function escapeLine(line: string): string {
  let out = "";
  let atStart = true;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (atStart && (ch === " " || ch === "\t")) {
      out += ch;
      continue;
    }
    if (ALWAYS.has(ch) || (atStart && LINE_START.has(ch))) out += `\\${ch}`;
    // "_" inside a word never opens or closes emphasis; elsewhere it may.
    else if (ch === "_" && !(isAlnum(line[i - 1]) && isAlnum(line[i + 1]))) out += "\\_";
    // "1." or "1)" opening a line is an ordered list item.
    else if (atStart && isDigit(ch)) {
      let j = i;
      while (isDigit(line[j])) j++;
      const mark = line[j];
      out += line.slice(i, j) + (mark === "." || mark === ")" ? `\\${mark}` : "");
      i = mark === "." || mark === ")" ? j : j - 1;
    } else out += ch;
    atStart = false;
  }
  return out;
}

const HOST_CHAR = /^[A-Za-z0-9.-]$/;

/**
 * One space-free word (already escaped) with its URL or domain name broken: "https://a.b/c" ->
 * "https[:]//a[.]b/c", "www.a.b" -> "www[.]a[.]b". The brackets added cannot form a link: "[:]" is
 * followed by "/" and "[.]" by a letter or digit, never by "(".
 */
function defang(word: string): string {
  const scheme = word.indexOf("://");
  if (scheme > 0) return `${word.slice(0, scheme)}[:]//${defangHost(word.slice(scheme + 3), true)}`;
  let start = 0;
  while (start < word.length && !/^[A-Za-z0-9]$/.test(word[start] as string)) start++;
  return word.slice(0, start) + defangHost(word.slice(start), false);
}

/** The host name that opens `rest`, its dots defanged when it is one (never the local part of an email). */
function defangHost(rest: string, afterScheme: boolean): string {
  let end = 0;
  while (end < rest.length && HOST_CHAR.test(rest[end] as string)) end++;
  let host = rest.slice(0, end);
  while (host.endsWith(".")) host = host.slice(0, -1);
  if (!afterScheme && rest[end] === "@") return rest;
  const labels = host.split(".");
  const tld = labels.at(-1) ?? "";
  const domain = labels.length > 1 && labels.every((l) => l.length > 0) && /^[A-Za-z]{2,}$/.test(tld);
  if (!afterScheme && !domain) return rest;
  return host.replaceAll(".", "[.]") + rest.slice(host.length);
}
