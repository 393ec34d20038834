// A simulated phone on a flaky network: a device API call whose connection is reset, or that is
// answered 503, is tried again, as a real agent does; the reset still reaches "locked" and each
// step is reported once. (Under load a keep-alive socket closed as it was reused lost a report,
// and the request waited for its expiry with the phone's passcode already changed.)
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../src/core/ports.ts";
import { createDeviceSimulator } from "../../src/simulator/device-simulator.ts";
import { sampleDevice } from "../support/sample-device.ts";

// Not enrolled: the simulator only ever creates phones, never takes one over from another agent.
const device = sampleDevice({
  id: "dev-flaky",
  ownerEmail: "bob@example.com",
  name: "Bob's Pixel",
  enrolled: false,
});

const body = (req: IncomingMessage) =>
  new Promise<string>((ok) => {
    let text = "";
    req.on("data", (c) => {
      text += c;
    });
    req.on("end", () => ok(text));
  });

let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a simulated phone on a flaky network", () => {
  it("retries a reset connection and a 503, and reports every step once", async () => {
    const reports: string[] = [];
    const faults = { reset: 0, unavailable: 0 };
    server = createServer(async (req, res) => {
      const text = await body(req);
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      if (req.url === "/device/v1/enroll") return json(201, { deviceSecret: "secret" });
      if (req.url === "/device/v1/commands/next") {
        if (faults.unavailable++ === 0) return json(503, { error: "busy" });
        return json(200, {
          command: { requestId: "rq_1", type: "reset_passcode_and_lock", passcode: "482915" },
        });
      }
      const step = (JSON.parse(text || "{}") as { step?: string }).step ?? "?";
      // The passcode_reset report's connection is cut before any answer, once.
      if (step === "passcode_reset" && faults.reset++ === 0) return req.socket.destroy();
      reports.push(step);
      return json(200, { ok: true });
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    dir = mkdtempSync(join(tmpdir(), "latchkey-sim-"));
    const warnings: string[] = [];
    const log: Logger = {
      debug: () => {},
      info: () => {},
      warn: (_f, msg) => void warnings.push(msg),
      error: (_f, msg) => void warnings.push(msg),
    };
    const simulator = createDeviceSimulator({
      serverUrl: `http://127.0.0.1:${port}`,
      stateFile: join(dir, "phones.json"),
      delayMs: 0,
      log,
      device: async (id) => (id === device.id ? device : null),
      enrollmentCode: async () => "code",
    });
    simulator.wake(device.id);
    const deadline = Date.now() + 10_000;
    // The phone locks, then reports it: wait for the report.
    while (!reports.includes("locked") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    expect(faults).toEqual({ reset: 2, unavailable: 2 });
    expect(reports).toEqual(["received", "passcode_reset", "locked"]);
    expect(simulator.state(device.id)).toMatchObject({ locked: true, lastCommand: "rq_1" });
    expect(await simulator.unlock(device.id, "482915")).toBe("unlocked");
    expect(warnings).toEqual([]);
  });
});
