// Local mode checks no token: it must serve this machine only. Besides requests from another
// address, it refuses what a web page or a tunnel could relay to it (a foreign Origin, a Host that
// is not localhost, any Forwarded / X-Forwarded-* header, a body that is not JSON), and it never
// calls back a serviceUrl that is not on this machine. Each refusal changes nothing.
import http from "node:http";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTeamsHarness, type TeamsHarness } from "../../support/teams-harness.ts";

describe("Teams: local mode serves this machine only", () => {
  // The machine's own non-loopback address plays "another machine" here.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === "IPv4")?.address;
  let h: TeamsHarness;
  let port = "";
  beforeAll(async () => {
    h = await startTeamsHarness({ HOST: "0.0.0.0" });
    port = new URL(h.running.url).port;
  });
  afterAll(async () => {
    await h?.stop();
  });

  const activity = () => ({ ...h.teams.base("29:ada", { kind: "personal" }), type: "message", text: "help" });

  /** A raw POST, every header as given (fetch would set or forbid some). */
  function raw(
    headers: Record<string, string>,
    body: unknown = activity(),
    host = "127.0.0.1",
  ): Promise<{ status: number; text: string }> {
    return new Promise((ok, fail) => {
      const req = http.request(
        { host, port, path: "/api/messages", method: "POST", headers, setHost: false },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += String(c);
          });
          res.on("end", () => ok({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", fail);
      req.end(typeof body === "string" ? body : JSON.stringify(body));
    });
  }
  const json = { "content-type": "application/json", host: "127.0.0.1" };

  async function expectNothingChanged() {
    expect(h.fake.calls).toEqual([]);
    expect(await h.running.core.engine.stores.contacts.get("teams", "aad-ada")).toBeNull();
  }

  it.skipIf(!external)("refuses an unsigned activity that does not come from loopback", async () => {
    const remote = await raw({ ...json, host: `${external}:${port}` }, activity(), external);
    expect(remote.status).toBe(403);
    expect(remote.text).toContain("local mode");
    await expectNothingChanged();
  });

  it("refuses a body that is not declared JSON (a cross-site form post needs no preflight)", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", ""]) {
      const res = await raw({ ...json, "content-type": type });
      expect(res.status).toBe(415);
    }
    await expectNothingChanged();
  });

  it("refuses a request from a web page elsewhere (Origin)", async () => {
    for (const origin of ["https://evil.example", "null", "http://192.168.1.20:3000"]) {
      const res = await raw({ ...json, origin });
      expect(res.status).toBe(403);
    }
    await expectNothingChanged();
  });

  it("refuses a Host that is not localhost (DNS rebinding)", async () => {
    for (const host of ["evil.example", `evil.example:${port}`, "latchkey.corp.example"]) {
      const res = await raw({ ...json, host });
      expect(res.status).toBe(403);
      expect(res.text).toContain("Host");
    }
    await expectNothingChanged();
  });

  it("refuses anything relayed by a proxy or tunnel (Forwarded, X-Forwarded-*)", async () => {
    for (const header of ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded"]) {
      const res = await raw({ ...json, [header]: "for=203.0.113.9" });
      expect(res.status).toBe(403);
      expect(res.text).toContain("tunnel");
    }
    await expectNothingChanged();
  });

  it("refuses an activity whose serviceUrl is not on this machine (it would be called back)", async () => {
    for (const serviceUrl of [
      "https://smba.trafficmanager.net/emea/",
      "http://169.254.169.254/",
      "file:///etc",
    ]) {
      const res = await raw(json, { ...activity(), serviceUrl });
      expect(res.status).toBe(403);
    }
    await expectNothingChanged();
  });

  it("serves a plain local request: localhost Host, a localhost Origin, JSON with a charset", async () => {
    for (const headers of [
      { ...json, host: `localhost:${port}` },
      { ...json, origin: `http://localhost:${port}` },
      { ...json, "content-type": "application/json; charset=utf-8" },
    ]) {
      expect((await raw(headers)).status).toBe(200);
    }
    await h.fake.waitForMessage(h.teams.conversationId("29:ada", { kind: "personal" }), () => true);
  });
});
