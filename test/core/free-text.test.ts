// Free text from outside is stored as one clean line: control characters (C0, DEL, C1) and bidi
// overrides and isolates become spaces, whitespace runs collapse, the text is trimmed and capped
// with an ellipsis. A cancel and a reject whose reasons carry them are stored clean in the timeline,
// the request's outcome and the audit row, on each real database.
import { describe, expect, it } from "vitest";
import { cleanFreeText } from "../../src/core/free-text.ts";
import { rejectReset } from "../../src/core/reset/approve-reset.ts";
import { cancelReset } from "../../src/core/reset/cancel-reset.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, type TestEngine, useTestEngine } from "../support/test-engine.ts";

describe("cleanFreeText", () => {
  it.each([
    ["plain text stays", "lost on the train", 50, "lost on the train"],
    ["newlines and tabs become one space", "line one\r\n\tline two", 50, "line one line two"],
    ["C0 controls and ESC sequences", "red\u001b[31m alert\u0000\u0007", 50, "red [31m alert"],
    ["DEL and C1 (CSI U+009B)", "a\u007fb\u009b2Jc\u0085d", 50, "a b 2Jc d"],
    ["bidi overrides and isolates", "invoice\u202egpj.exe\u202c \u2066x\u2069", 50, "invoice gpj.exe x"],
    ["every bidi control in the ranges", "a\u202ab\u202bc\u202cd\u202de\u2067f\u2068g", 50, "a b c d e f g"],
    ["leading and trailing space trimmed", "  \u0000 spaced \u00a0 ", 50, "spaced"],
    ["only controls: nothing left", "\u0000\u001f\u202e", 50, ""],
    ["capped with an ellipsis", "abcdefghij", 6, "abcde…"],
    ["exactly the cap is kept", "abcdef", 6, "abcdef"],
    ["no space before the ellipsis", "abcd efgh", 6, "abcd…"],
    ["a surrogate pair is never split", "abcd😀xyz", 6, "abcd…"],
  ])("%s", (_name, input, max, expected) => {
    const out = cleanFreeText(input, max);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
  });

  it("a long input with controls throughout is still one capped line", () => {
    const long = `${"x".repeat(10)}${"\u0000 ".repeat(50_000)}${"y".repeat(100_000)}`;
    expect(cleanFreeText(long, 200)).toMatch(/^x{10} y{188}…$/);
  });
});

/** The code points of `text` that must never be stored: C0, DEL, C1, bidi overrides and isolates. */
const controlsIn = (text: string) =>
  [...text]
    .map((ch) => ch.codePointAt(0) ?? 0)
    .filter(
      (c) =>
        c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069),
    );

const HOSTILE = "lost\u001b[2J\u202e gpj.exe\u202c\r\n\u0085forged: audit row\u0000";
const CLEAN = "lost [2J gpj.exe forged: audit row";

describe.each(await dbTargets())("a reason with control characters on $name", (target) => {
  const t = useTestEngine(target, {
    settings: { requireApproval: true },
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(
        [...people, { email: "sam@example.com", name: "Sam Second", role: "admin" }],
        [deviceInput()],
      ),
  });

  async function start(x: TestEngine) {
    const r = await startReset(x.engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "slack",
    });
    if (r.status !== "started") throw new Error(`not started: ${r.status}`);
    return r.request;
  }

  async function stored(x: TestEngine, requestId: string, action: string) {
    const request = await x.engine.stores.requests.get(requestId);
    const events = await x.engine.stores.requests.events(requestId);
    const audit = (await x.engine.stores.audit.list({})).find(
      (a) => a.requestId === requestId && a.action === action,
    );
    return [request?.outcome ?? "", events.at(-1)?.detail ?? "", audit?.detail ?? ""];
  }

  it("a cancel stores its reason clean: outcome, timeline and audit row", async () => {
    const request = await start(t());
    const r = await cancelReset(t().engine, {
      actorEmail: "ada@example.com",
      requestId: request.id,
      surface: "slack",
      reason: HOSTILE,
    });
    expect(r.status).toBe("cancelled");
    for (const text of await stored(t(), request.id, "request.cancel")) {
      expect(text).toContain(`Reason: ${CLEAN}`);
      expect(controlsIn(text)).toEqual([]);
    }
  });

  it("a reject stores its reason clean, and a long one is capped at 200 characters", async () => {
    const request = await start(t());
    const r = await rejectReset(t().engine, {
      actorEmail: "sam@example.com",
      requestId: request.id,
      surface: "teams",
      reason: `${HOSTILE} ${"z".repeat(400)}`,
    });
    expect(r.status).toBe("rejected");
    for (const text of await stored(t(), request.id, "approval.reject")) {
      expect(text).toContain(`Reason: ${CLEAN} zzz`);
      expect(controlsIn(text)).toEqual([]);
      const reason = /Reason: (.*?…)/.exec(text)?.[1] ?? "";
      expect(reason.length).toBe(200);
    }
  });
});
