// The HTTP API the device agent calls: enroll, register its push token, fetch its pending
// command, report each step. Every call but enroll carries the device's own secret; every call
// is rate-limited (device-throttle.ts), and refusals are audited per address and window.
import { z } from "zod";
import { DEFAULT_DEVICE_API_RATE, type DeviceApiRate } from "../../config.ts";
import type { Engine } from "../../core/engine.ts";
import { authenticateDevice, enrollDevice, registerPushToken } from "../../core/enrollment.ts";
import { DEVICE_STEPS } from "../../core/lifecycle.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../core/reset/device-commands.ts";
import { parse } from "../../http/parse-body.ts";
import type { HttpResponse, Route } from "../../http/router.ts";
import { createDeviceGate } from "./device-throttle.ts";

const enrollBody = z.object({
  deviceId: z.string().min(1).max(200),
  enrollmentCode: z.string().min(8).max(200),
  pushToken: z.string().min(1).max(4096).optional(),
});
const pushTokenBody = z.object({ token: z.string().min(1).max(4096) });
const reportBody = z.object({ step: z.enum(DEVICE_STEPS), reason: z.string().max(2000).optional() });

export interface DeviceApi {
  routes: Route[];
  /** Writes the refusals still counted in memory to the audit log: call it at shutdown. */
  flush(): Promise<void>;
}

export function deviceRoutes(engine: Engine, opts: { rate?: DeviceApiRate } = {}): Route[] {
  return createDeviceApi(engine, opts).routes;
}

export function createDeviceApi(engine: Engine, opts: { rate?: DeviceApiRate } = {}): DeviceApi {
  const gate = createDeviceGate(engine, opts.rate ?? DEFAULT_DEVICE_API_RATE);
  const authenticate = (secret: string) => authenticateDevice(engine, secret);
  const routes: Route[] = [
    {
      method: "POST",
      path: "/device/v1/enroll",
      handler: (req) =>
        gate.unauthenticated(req, async (): Promise<HttpResponse> => {
          const body = parse(enrollBody, req.body);
          const result = await enrollDevice(
            engine,
            { deviceId: body.deviceId, code: body.enrollmentCode, pushToken: body.pushToken ?? null },
            { auditRefusal: false }, // the gate audits refusals per address and window instead
          );
          if (!result.ok) {
            await gate.refused(req, "enroll", body.deviceId);
            return { status: 403, body: { error: result.message } };
          }
          gate.admit(result.deviceSecret, body.deviceId);
          return { status: 201, body: { deviceSecret: result.deviceSecret } };
        }),
    },
    {
      method: "PUT",
      path: "/device/v1/push-token",
      handler: (req) =>
        gate.authenticated(req, authenticate, async (d) => {
          const body = parse(pushTokenBody, req.body);
          await registerPushToken(engine, d.id, body.token);
          return { status: 204 };
        }),
    },
    {
      method: "GET",
      path: "/device/v1/commands/next",
      handler: (req) =>
        gate.authenticated(req, authenticate, async (d) => {
          const command = await fetchPendingCommand(engine, d);
          return command ? { status: 200, body: { command } } : { status: 204 };
        }),
    },
    {
      method: "POST",
      path: "/device/v1/commands/:requestId/reports",
      handler: (req) =>
        gate.authenticated(req, authenticate, async (d) => {
          const body = parse(reportBody, req.body);
          const result = await reportDeviceStep(engine, d, req.params.requestId ?? "", body);
          if (!result.ok) return { status: result.status, body: { error: result.message } };
          return { status: 200, body: { state: result.state, changed: result.changed } };
        }),
    },
  ];
  return { routes, flush: () => gate.flush() };
}
