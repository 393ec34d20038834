// Slack failures in plain words; an account Slack says is gone is a final delivery failure.
import { describe, expect, it } from "vitest";
import { plainly } from "../../../src/adapters/slack/slack-errors.ts";
import { PermanentDeliveryError } from "../../../src/core/ports.ts";

const platformError = (code: string) =>
  Object.assign(new Error(`An API error occurred: ${code}`), {
    code: "slack_webapi_platform_error",
    data: { ok: false, error: code },
  });
const failing = (err: unknown) => () => Promise.reject(err);

describe("plainly", () => {
  it.each(["account_inactive", "user_disabled", "user_not_found", "cannot_dm_bot"])(
    "makes %s a permanent delivery failure, in plain words",
    async (code) => {
      const err = await plainly(failing(platformError(code))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect((err as Error).message).not.toContain(code);
    },
  );

  it("keeps rate limits, outages and unknown codes retryable", async () => {
    for (const e of [
      platformError("ratelimited"),
      platformError("some_new_code"),
      Object.assign(new Error("socket hang up"), { code: "slack_webapi_request_error" }),
    ]) {
      const err = await plainly(failing(e)).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    }
    expect(await plainly(async () => 42)).toBe(42);
  });

  it("passes a permanent failure raised inside through unchanged", async () => {
    const inner = new PermanentDeliveryError("x has no Slack account in this workspace.");
    expect(await plainly(failing(inner)).catch((e: unknown) => e)).toBe(inner);
  });
});
