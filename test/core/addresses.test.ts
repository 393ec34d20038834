// The email and Slack mention reader (core/addresses.ts): the same answers as the regular
// expressions it replaces for every input they could read in reasonable time (up to the length
// caps), a refusal past the caps, and a hostile input read as fast as a benign one of its size.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  emailProblem,
  isEmailAddress,
  MAX_EMAIL_LENGTH,
  MAX_SLACK_TOKEN_LENGTH,
  slackMailto,
  slackMentionId,
} from "../../src/core/addresses.ts";

// What Slack's command parser and Teams' reset flow used before (quadratic on hostile input).
const OLD_EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const OLD_MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
const OLD_MAILTO = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/;

describe("emailProblem", () => {
  const cases: [string, string, ReturnType<typeof emailProblem>][] = [
    ["a plain address", "felix.field@example.com", null],
    ["a subdomain and a plus", "a+b@mail.example.co.uk", null],
    ["a short one", "a@b.c", null],
    ["unicode", "zoë@exämple.com", null],
    ["a dot first in the domain, another inside", "a@.b.c", null],
    ["nothing", "", "empty"],
    ["no @", "felix.example.com", "malformed"],
    ["nothing before @", "@example.com", "malformed"],
    ["two @", "a@b@example.com", "malformed"],
    ["no dot in the domain", "a@localhost", "malformed"],
    ["the only dot last", "a@example.", "malformed"],
    ["the only dot first", "a@.com", "malformed"],
    ["nothing after @", "a@", "malformed"],
    ["a space", "a b@example.com", "malformed"],
    ["a tab", "a@exa\tmple.com", "malformed"],
    ["a no-break space", "a@exa\u00a0mple.com", "malformed"],
    ["angle brackets", "<a@example.com>", "malformed"],
    ["a Slack mention", "<@U123|felix>", "malformed"],
    ["254 characters", `${"a".repeat(64)}@${"b".repeat(185)}.com`, null],
    ["255 characters", `${"a".repeat(65)}@${"b".repeat(185)}.com`, "too_long"],
    ["100 KB of dots and @", `.@${".".repeat(100_000)}@`, "too_long"],
  ];
  it.each(cases)("%s", (_, text, expected) => {
    expect(emailProblem(text)).toBe(expected);
    expect(isEmailAddress(text)).toBe(expected === null);
  });

  it("254 is the cap", () => {
    expect(MAX_EMAIL_LENGTH).toBe(254);
    expect(cases.find(([name]) => name === "254 characters")?.[1]).toHaveLength(254);
  });

  // Characters that matter to the old pattern, and a few that do not, so that short strings hit
  // every branch; the old pattern is quick on strings this short.
  const alphabet = fc.constantFrom("a", "B", "0", ".", "@", " ", "\t", "\u00a0", "<", ">", "-", "é", "|");
  const text = (maxLength: number) => fc.array(alphabet, { maxLength }).map((cs) => cs.join(""));

  it("agrees with the old pattern on every input up to the cap", () => {
    fc.assert(
      fc.property(text(40), (s) => {
        expect(isEmailAddress(s)).toBe(OLD_EMAIL.test(s));
      }),
      { numRuns: 5000 },
    );
    // Shaped like an address, so that both answers come up often.
    const mostlyFine = fc
      .array(
        fc.oneof(
          { arbitrary: fc.constantFrom("a", "0", ".", "-"), weight: 12 },
          { arbitrary: alphabet, weight: 1 },
        ),
        {
          maxLength: 8,
        },
      )
      .map((cs) => cs.join(""));
    const addressLike = fc
      .tuple(mostlyFine, mostlyFine, mostlyFine)
      .map(([local, host, tld]) => `${local}@${host}.${tld}`);
    let accepted = 0;
    fc.assert(
      fc.property(addressLike, (s) => {
        expect(isEmailAddress(s)).toBe(OLD_EMAIL.test(s));
        if (OLD_EMAIL.test(s)) accepted++;
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(1000);
    fc.assert(
      fc.property(fc.string({ maxLength: MAX_EMAIL_LENGTH }), (s) => {
        expect(isEmailAddress(s)).toBe(OLD_EMAIL.test(s));
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses anything longer than the cap, whatever it holds", () => {
    fc.assert(
      fc.property(fc.string({ minLength: MAX_EMAIL_LENGTH + 1, maxLength: 2000 }), (s) => {
        expect(emailProblem(s)).toBe("too_long");
      }),
    );
  });
});

describe("slackMentionId and slackMailto", () => {
  const mentions: [string, string | null][] = [
    ["<@U123ABC|felix>", "U123ABC"],
    ["<@U123ABC>", "U123ABC"],
    ["<@W0ENTERPRISE|felix.field>", "W0ENTERPRISE"],
    ["<@U123|>", "U123"],
    ["<@U123|a|b>", "U123"],
    ["<@u123|felix>", null],
    ["<@B123|bot>", null],
    ["<@U>", null],
    ["<@U123|fe>lix>", null],
    ["<@U123", null],
    ["@felix", null],
    ["<#C123|general>", null],
    [`<@U1|${"x".repeat(MAX_SLACK_TOKEN_LENGTH)}>`, null],
  ];
  it.each(mentions)("mention %s", (token, id) => {
    expect(slackMentionId(token)).toBe(id);
  });

  const mailtos: [string, string | null][] = [
    ["<mailto:felix@example.com|felix@example.com>", "felix@example.com"],
    ["<mailto:Felix@Example.com>", "Felix@Example.com"],
    ["<mailto:felix@example.com|>", "felix@example.com"],
    ["<mailto:|felix@example.com>", null],
    ["<mailto:>", null],
    ["<mailto:a>b|c>", null],
    ["<MAILTO:felix@example.com>", null],
    ["mailto:felix@example.com", null],
    [`<mailto:${"a".repeat(MAX_SLACK_TOKEN_LENGTH)}@example.com>`, null],
  ];
  it.each(mailtos)("mailto %s", (token, address) => {
    expect(slackMailto(token)).toBe(address);
  });

  it("a mailto of the longest address, as Slack sends it, is read", () => {
    const address = `${"a".repeat(64)}@${"b".repeat(185)}.com`;
    expect(slackMailto(`<mailto:${address}|${address}>`)).toBe(address);
  });

  const tokenPart = fc.constantFrom("<", "@", "<@", "<mailto:", "U", "W", "1", "Z", "a", "|", ">", ".", " ");
  const token = fc.array(tokenPart, { maxLength: 20 }).map((p) => p.join(""));

  it("agree with the old patterns on every input up to the cap", () => {
    fc.assert(
      fc.property(token, (t) => {
        expect(slackMentionId(t)).toBe(OLD_MENTION.exec(t)?.[1] ?? null);
        expect(slackMailto(t)).toBe(OLD_MAILTO.exec(t)?.[1] ?? null);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("hostile input", () => {
  // What a chat user can send (Slack accepts 100 KB commands, Teams 256 KB activities): refused for
  // its length, which the old pattern could not say (it answered "not an address", after seconds).
  // How long it takes is the benchmark's business (bench/hostile-input.ts), not a test's.
  const hostile = [
    `.@${".".repeat(100_000)}@`,
    "@".repeat(100_000),
    `<@U${"A".repeat(100_000)}|`,
    `<mailto:${"a@b.".repeat(25_000)}`,
    `a@${"b.".repeat(50_000)} `,
  ];
  it.each(hostile.map((h) => [h.slice(0, 12), h]))("%s… is refused", (_, input) => {
    expect(emailProblem(input)).toBe("too_long");
    expect(slackMentionId(input)).toBeNull();
    expect(slackMailto(input)).toBeNull();
  });
});
