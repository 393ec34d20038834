// HTTP face of the simulator: the local push endpoint and the lock screen. Served only when
// devices are simulated (the embedded default, or SIMULATED_DEVICES=true). The lock screen is a
// passcode guess like any other: wrong guesses spend an allowance per client address and per
// phone, as failed calls to the device API do (failure-allowance.ts), and past it get 429.
import { z } from "zod";
import type { Logger } from "../core/ports.ts";
import { createFailureAllowance, type Held, type Refusal } from "../http/failure-allowance.ts";
import { parse } from "../http/parse-body.ts";
import { clientKey, type RateLimit } from "../http/rate-limit.ts";
import type { HttpResponse, Route } from "../http/router.ts";
import type { DeviceSimulator } from "./device-simulator.ts";

const pushBody = z.object({ deviceId: z.string().min(1).max(200), requestId: z.string().min(1).max(200) });
const unlockBody = z.object({ passcode: z.string().min(1).max(64) });

export interface SimulatorRouteOptions {
  /** Wrong passcodes (or unknown phones) allowed per window, per client address and per phone. */
  unlockRate: RateLimit;
  log: Logger;
}

export function simulatorRoutes(
  sim: Pick<DeviceSimulator, "accepts" | "wake" | "list" | "state" | "unlock">,
  opts: SimulatorRouteOptions,
): Route[] {
  const guesses = createFailureAllowance(opts.unlockRate);
  const tooMany = (d: Refusal): HttpResponse => ({
    status: 429,
    headers: { "retry-after": String(d.retryAfterSeconds) },
    body: { error: `Too many wrong passcodes. Try again in ${d.retryAfterSeconds} s.` },
  });
  return [
    {
      method: "POST",
      path: "/simulator/push",
      async handler(req) {
        const body = parse(pushBody, req.body);
        // A device the simulator did not create (enrolled by a real agent) is not its to wake.
        if (!(await sim.accepts(body.deviceId)))
          return { status: 404, body: { error: "Unknown device, or not a simulated one." } };
        sim.wake(body.deviceId);
        return { status: 202, body: { accepted: true } };
      },
    },
    {
      method: "GET",
      path: "/simulator/devices",
      async handler() {
        return { status: 200, body: { devices: sim.list() } };
      },
    },
    {
      method: "GET",
      path: "/simulator/devices/:id",
      async handler(req) {
        const state = sim.state(req.params.id ?? "");
        return state
          ? { status: 200, body: state }
          : { status: 404, body: { error: "This device has not been simulated yet." } };
      },
    },
    {
      method: "POST",
      path: "/simulator/devices/:id/unlock",
      async handler(req) {
        const body = parse(unlockBody, req.body);
        const deviceId = req.params.id ?? "";
        const holds: Held[] = [];
        for (const key of [`client:${clientKey(req.clientAddress)}`, `phone:${deviceId}`]) {
          const d = await guesses.hold(key);
          if (!d.ok) {
            for (const h of holds) h.settle(false);
            if (d.firstInWindow)
              opts.log.warn(
                { key, retryAfterSeconds: d.retryAfterSeconds },
                "simulator unlock: rate limit reached",
              );
            return tooMany(d);
          }
          holds.push(d);
        }
        let result: Awaited<ReturnType<DeviceSimulator["unlock"]>> | "error" = "error";
        try {
          result = await sim.unlock(deviceId, body.passcode);
        } finally {
          for (const h of holds) h.settle(result === "wrong" || result === "unknown");
        }
        if (result === "unknown")
          return { status: 404, body: { error: "This device has not been simulated yet." } };
        if (result === "wrong") return { status: 403, body: { unlocked: false, error: "Wrong passcode." } };
        return { status: 200, body: { unlocked: true } };
      },
    },
  ];
}
