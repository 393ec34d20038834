// HTTP face of the simulator: the local push endpoint and the lock screen. Served only in
// simulator mode (no FIREBASE_SERVICE_ACCOUNT).
import { z } from "zod";
import { parse } from "../adapters/device-api/device-routes.ts";
import type { Route } from "../http/router.ts";
import type { DeviceSimulator } from "./device-simulator.ts";

const pushBody = z.object({ deviceId: z.string().min(1).max(200), requestId: z.string().min(1).max(200) });
const unlockBody = z.object({ passcode: z.string().min(1).max(64) });

export function simulatorRoutes(
  sim: DeviceSimulator,
  knows: (deviceId: string) => Promise<boolean>,
): Route[] {
  return [
    {
      method: "POST",
      path: "/simulator/push",
      async handler(req) {
        const body = parse(pushBody, req.body);
        if (!(await knows(body.deviceId))) return { status: 404, body: { error: "Unknown device." } };
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
        const result = await sim.unlock(req.params.id ?? "", body.passcode);
        if (result === "unknown")
          return { status: 404, body: { error: "This device has not been simulated yet." } };
        if (result === "wrong") return { status: 403, body: { unlocked: false, error: "Wrong passcode." } };
        return { status: 200, body: { unlocked: true } };
      },
    },
  ];
}
