// The simulator as the server runs it: phones that reach the device API over HTTP at `localUrl`,
// their state under DATA_DIR, enrollment codes issued as an operator would, and the routes of
// their push endpoint and lock screen.
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Engine } from "../core/engine.ts";
import { issueEnrollmentCode } from "../core/enrollment.ts";
import { agentDevice, agentDevices } from "../core/inventory/device-list.ts";
import type { Route } from "../http/router.ts";
import { createDeviceSimulator, type DeviceSimulator } from "./device-simulator.ts";
import { simulatorRoutes } from "./simulator-routes.ts";

export function createSimulatedFleet(
  engine: Engine,
  config: Config,
  localUrl: string,
): { simulator: DeviceSimulator; routes: Route[] } {
  const simulator = createDeviceSimulator({
    serverUrl: localUrl,
    stateFile: join(config.dataDir, "simulator", "phones.json"),
    delayMs: config.simulatorDelayMs,
    log: engine.log,
    // Only devices of Latchkey's own agent: an Intune device is never played by a simulated phone.
    device: (id) => agentDevice(engine, id),
    enrollmentCode: async (id) => {
      const issued = await issueEnrollmentCode(engine, id);
      return issued.ok ? issued.code : null;
    },
    devices: () => agentDevices(engine),
  });
  // Wrong guesses on a lock screen are limited as failed device API calls are (per address).
  const routes = simulatorRoutes(simulator, {
    unlockRate: config.deviceApiRate.unauthenticated,
    log: engine.log,
  });
  return { simulator, routes };
}
