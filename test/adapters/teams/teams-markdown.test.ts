// Text from outside shows in Teams as written, never as a live link: escapeMarkdown's table, then
// real cards and thread messages (botbuilder's CloudAdapter, the fake Bot Connector) for requests
// rejected from the status card and cancelled from the 1:1 chat with the reason
// `[click](https://evil.example) **bold** https://evil.example`. A text counts as carrying a live
// link when it holds a Markdown inline link (brackets not escaped, "](" adjacent) or when linkify-it,
// the linkifier Markdown renderers use to turn bare URLs and domain names into links, finds one.
//
// (The adaptivecards renderer the Playground bundles shows Markdown only through markdown-it or a
// host's hook, and neither is installed here, so it would show any text as plain text: it cannot
// tell an escaped card from a dangerous one, and is not used.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeMarkdown } from "../../../src/adapters/teams/cards/markdown.ts";
import { CHANNEL, cardOf, startTeamsHarness, type TeamsHarness } from "../../support/teams-harness.ts";

const EVIL = "[click](https://evil.example) **bold** https://evil.example";

describe("escapeMarkdown", () => {
  it.each([
    ["plain words stay", "Felix found it in the car", "Felix found it in the car"],
    [
      "a link, emphasis and a bare URL",
      EVIL,
      "\\[click\\](https[:]//evil[.]example) \\*\\*bold\\*\\* https[:]//evil[.]example",
    ],
    ["a www address", "see www.evil.example/x", "see www[.]evil[.]example/x"],
    ["a bare domain (Teams links it)", "go to evil.com.", "go to evil[.]com."],
    ["a protocol-relative URL", "//evil.com", "//evil[.]com"],
    ["an autolink and HTML", "<https://x.example> <b>", "\\<https[:]//x[.]example\\> \\<b\\>"],
    ["a heading", "# Unlock", "\\# Unlock"],
    ["list items", "- a\n+ b\n1. c\n2) d", "\\- a\n\\+ b\n1\\. c\n2\\) d"],
    ["a setext underline", "Title\n===", "Title\n\\==="],
    ["underscores between words stay", "rq_abc first_last _em_", "rq_abc first_last \\_em\\_"],
    ["code, strike, tables, images", "`x` ~~y~~ |z| ![i](u)", "\\`x\\` \\~\\~y\\~\\~ \\|z\\| !\\[i\\](u)"],
    ["a backslash cannot undo an escape", "\\[a](b)", "\\\\\\[a\\](b)"],
    ["an email address is left as it is", "by ada.admin@example.com.", "by ada.admin@example.com."],
    ["versions and abbreviations stay", "Android 6.0, e.g. v1.2", "Android 6.0, e.g. v1.2"],
    ["a URL with an @ is still defanged", "https://evil.example@x", "https[:]//evil[.]example@x"],
  ])("%s", (_name, input, expected) => {
    const out = escapeMarkdown(input);
    expect(out).toBe(expected);
    expect(liveLinks(out)).toEqual([]);
  });
});

describe("Teams: a reason from outside on real cards and thread messages", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness({ REQUIRE_APPROVAL: "true" });
  });
  afterAll(async () => {
    await h?.stop();
  });
  const where = { kind: "channel" } as const;
  const stores = () => h.running.core.engine.stores;

  async function start(deviceId: string) {
    const confirm = cardOf(
      (
        await h.teams.submitAction("29:ada", where, {
          verb: "reset.confirm",
          owner: "felix.field@example.com",
          deviceId,
          notifyUser: "false",
        })
      ).body,
    );
    const data = ((confirm.actions ?? []) as { data?: Record<string, unknown> }[])[0]?.data ?? {};
    expect((await h.teams.submitAction("29:ada", where, data)).status).toBe(200);
    const [request] = await stores().requests.list({ limit: 1, deviceId });
    if (!request) throw new Error("no request");
    const root = await h.fake.waitForMessage(
      CHANNEL,
      (m) => JSON.stringify(m.activity).includes(request.id) && m.replyToId === null,
    );
    return { request, root };
  }

  /** What Teams shows of the status card in the channel, and of its thread, once `state` is shown. */
  async function shown(rootId: string, state: string, requestId: string) {
    const root = () => h.fake.messages(CHANNEL).find((m) => m.id === rootId)?.activity;
    await expect.poll(() => displayTexts(cardOf(root())).join("\n")).toContain(state);
    const thread = `${CHANNEL};messageid=${rootId}`;
    await h.fake.waitForMessage(thread, (m) => String(m.activity.text).includes("click"));
    const details = await h.teams.taskFetch("29:sam", where, { verb: "request.details", requestId });
    return [
      ...displayTexts(cardOf(root())),
      ...h.fake.messages(thread).map((m) => String(m.activity.text ?? "")),
      ...displayTexts(cardOf(details.body)),
    ];
  }

  function expectShownAsWritten(texts: string[]) {
    const all = texts.join("\n");
    expect(all).toContain("\\[click\\](https[:]//evil[.]example) \\*\\*bold\\*\\*");
    for (const text of texts) expect({ text, links: liveLinks(text) }).toEqual({ text, links: [] });
  }

  it("rejected from the card: the status card, its thread and the details show no live link", async () => {
    const { request, root } = await start("demo-galaxy-s7-android6-admin");
    const rejected = await h.teams.cardAction("29:sam", where, "request.reject", {
      requestId: request.id,
      reason: EVIL,
    });
    expect(rejected.status).toBe(200);
    // The reason is stored as typed (only cleaned of control characters): escaping is the card's job.
    expect((await stores().requests.get(request.id))?.outcome).toContain(`Reason: ${EVIL}`);
    const texts = [...(await shown(root.id, "Rejected", request.id)), ...displayTexts(cardOf(rejected.body))];
    expectShownAsWritten(texts);
  });

  it("cancelled from the 1:1 chat: the status card and its thread show no live link", async () => {
    const { request, root } = await start("demo-pixel-xl-android7-owner");
    expect((await h.teams.message("29:ada", `cancel ${request.id} ${EVIL}`)).status).toBe(200);
    await expect.poll(async () => (await stores().requests.get(request.id))?.state).toBe("cancelled");
    expectShownAsWritten(await shown(root.id, "Cancelled", request.id));
  });

  it("a stranger's display name (their own tenant sets it) shows as written in the refusal", async () => {
    h.fake.users.push({
      id: "29:eve",
      aadObjectId: "aad-eve",
      name: EVIL,
      userPrincipalName: "eve@elsewhere.example",
      tenantId: "tenant-2",
    });
    const chat = h.teams.conversationId("29:eve", { kind: "personal" });
    expect((await h.teams.message("29:eve", "my devices")).status).toBe(200);
    await expect.poll(() => h.fake.messages(chat).length).toBeGreaterThan(0);
    const texts = displayTexts(cardOf(h.fake.messages(chat).at(-1)?.activity));
    expect(texts.join("\n")).toContain("another Microsoft 365 organization");
    expectShownAsWritten(texts);
  });
});

/** The texts Teams reads as Markdown in a card: TextBlocks and facts, at any depth. */
function displayTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(displayTexts);
  if (!node || typeof node !== "object") return [];
  const o = node as Record<string, unknown>;
  const own: string[] = [];
  if (o.type === "TextBlock" && typeof o.text === "string") own.push(o.text);
  if (typeof o.title === "string" && typeof o.value === "string" && !o.type) own.push(o.title, o.value);
  return [...own, ...Object.values(o).flatMap(displayTexts)];
}

// linkify-it (5.x, installed with mailparser) ships no types: the part used here.
type Linkify = { match(text: string): { url: string }[] | null };
const LINKIFY = "linkify-it";
const LinkifyIt = ((await import(LINKIFY)) as { default: new () => Linkify }).default;
const linkify = new LinkifyIt();

/** Links a Markdown renderer would make of `text` (email addresses aside: they are how people are named). */
function liveLinks(text: string): string[] {
  const found = (linkify.match(text) ?? []).map((m) => m.url).filter((url) => !url.startsWith("mailto:"));
  // An inline link: an unescaped "[", its unescaped "]", and "(" right after it.
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") i++;
    else if (ch === "[") open = i;
    else if (ch === "]" && open >= 0 && text[i + 1] === "(") found.push(text.slice(open, i + 1));
    else if (ch === "]") open = -1;
  }
  return found;
}
