// The simulated phone keeps only a hash of its passcode: the passcode unlocks it, nothing else
// does, the state file never holds it in clear, and a hash written before the cost was stored
// (scrypt's default cost, `<salt>:<hash>`) still unlocks the phone it belongs to.
import { randomBytes, scryptSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashPasscode, passcodeMatches } from "../../src/simulator/simulated-phone.ts";

describe("a simulated phone's passcode hash", () => {
  it("matches the passcode and nothing else, and never contains it", async () => {
    const hash = await hashPasscode("482915");
    expect(hash).toMatch(/^s1:10:[\w-]+:[\w-]+$/);
    expect(hash).not.toContain("482915");
    expect(await passcodeMatches(hash, "482915")).toBe(true);
    expect(await passcodeMatches(hash, "482916")).toBe(false);
    expect(await passcodeMatches(hash, "")).toBe(false);
    expect(await hashPasscode("482915")).not.toBe(hash); // salted
  });

  it("still reads the older format, and refuses malformed or absurd hashes", async () => {
    const salt = randomBytes(16);
    const old = `${salt.toString("base64url")}:${scryptSync("7391", salt, 32).toString("base64url")}`;
    expect(await passcodeMatches(old, "7391")).toBe(true);
    expect(await passcodeMatches(old, "7392")).toBe(false);
    for (const bad of [null, "", "x", "s1:10:abc", "s1:99:abc:def", "s1:NaN:abc:def", "x1:10:abc:def"])
      expect(await passcodeMatches(bad, "7391")).toBe(false);
  });
});
