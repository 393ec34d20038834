// The JSON log lines themselves: context fields (HTTP request id, reset request id, job) carried
// through awaits, child loggers, and secrets censored however deep a careless caller puts them.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { httpRequestId, withLogFields } from "../../src/adapters/log/log-context.ts";
import { createLogger } from "../../src/adapters/log/logger.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, log: createLogger("trace", sink) };
}

describe("structured logs", () => {
  it("carries the context's fields through awaits and nested scopes; the call's own fields win", async () => {
    const { lines, log } = capture();
    await withLogFields({ httpRequestId: "h-1" }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      log.info({}, "outer");
      await withLogFields({ requestId: "rq_abc" }, async () => {
        await Promise.resolve();
        log.warn({ deviceId: "d1" }, "inner");
        log.info({ requestId: "rq_explicit" }, "explicit");
      });
    });
    log.info({}, "outside");
    expect(lines.map((l) => [l.msg, l.httpRequestId, l.requestId])).toEqual([
      ["outer", "h-1", undefined],
      ["inner", "h-1", "rq_abc"],
      ["explicit", "h-1", "rq_explicit"],
      ["outside", undefined, undefined],
    ]);
    expect(lines[1]).toMatchObject({ level: 40, service: "latchkey", deviceId: "d1" });
    expect(typeof lines[0]?.time).toBe("string");
  });

  it("child loggers add their fields to every line", () => {
    const { lines, log } = capture();
    log.child({ requestId: "rq_child" }).child({ component: "test" }).error({ n: 1 }, "hello");
    expect(lines[0]).toMatchObject({ requestId: "rq_child", component: "test", n: 1, msg: "hello" });
  });

  it("censors passcodes and secrets at any depth up to three levels, and in request headers", () => {
    const { lines, log } = capture();
    const passcode = "48151623";
    log.info(
      {
        passcode,
        letter: { passcode, recipient: { email: "a@example.com", token: "tok-1" } },
        a: { b: { c: { passcode, secret: "s3" } } },
        req: { headers: { authorization: "Bearer dev-secret", cookie: "sid=1" } },
        deviceSecret: "ds",
        enrollmentCode: "123-456",
        smtp: { password: "pw" },
      },
      "careless",
    );
    const text = JSON.stringify(lines);
    for (const secret of [passcode, "tok-1", "s3", "dev-secret", "sid=1", "123-456", '"ds"', '"pw"']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("a@example.com");
    expect(lines[0]?.passcode).toBe("[redacted]");
  });

  it("accepts a sane X-Request-Id and replaces anything else", () => {
    expect(httpRequestId("abc-123")).toBe("abc-123");
    expect(httpRequestId(["first", "second"])).toBe("first");
    for (const bad of [undefined, "", "a b", "x".repeat(129), 'q"uote', "line\nbreak"]) {
      expect(httpRequestId(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});
