// The JSON log lines themselves: the caller's fields and the base ones, child loggers, and secrets
// censored however deep a careless caller puts them. (Which lines name a reset request and an HTTP
// call is checked on a running server: test/ops/ops-endpoints.test.ts.)
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { httpRequestId } from "../../src/http/request-id.ts";

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
  it("writes the caller's fields with the level, the service and an ISO time", () => {
    const { lines, log } = capture();
    log.warn({ requestId: "rq_abc", deviceId: "d1" }, "inner");
    log.debug({}, "quiet");
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ["inner", "rq_abc"],
      ["quiet", undefined],
    ]);
    expect(lines[0]).toMatchObject({ level: 40, service: "latchkey", deviceId: "d1" });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
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
