// The HTTP API the device agent calls: enroll, register its push token, fetch its pending
// command, report each step. Every call but enroll carries the device's own secret.
import { z } from "zod";
import type { Engine } from "../../core/engine.ts";
import { authenticateDevice, enrollDevice, registerPushToken } from "../../core/enrollment.ts";
import { DEVICE_STEPS } from "../../core/lifecycle.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../core/reset/device-commands.ts";
import type { Device } from "../../core/types.ts";
import { HttpError, type HttpRequest, type HttpResponse, type Route } from "../../http/router.ts";

const enrollBody = z.object({
  deviceId: z.string().min(1).max(200),
  enrollmentCode: z.string().min(8).max(200),
  pushToken: z.string().min(1).max(4096).optional(),
});
const pushTokenBody = z.object({ token: z.string().min(1).max(4096) });
const reportBody = z.object({ step: z.enum(DEVICE_STEPS), reason: z.string().max(2000).optional() });

export function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
  throw new HttpError(400, `Invalid request: ${detail}`);
}

async function device(engine: Engine, req: HttpRequest): Promise<Device> {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  const found = m?.[1] ? await authenticateDevice(engine, m[1]) : null;
  if (!found) throw new HttpError(401, "Missing or invalid device secret.");
  return found;
}

export function deviceRoutes(engine: Engine): Route[] {
  return [
    {
      method: "POST",
      path: "/device/v1/enroll",
      async handler(req): Promise<HttpResponse> {
        const body = parse(enrollBody, req.body);
        const result = await enrollDevice(engine, {
          deviceId: body.deviceId,
          code: body.enrollmentCode,
          pushToken: body.pushToken ?? null,
        });
        if (!result.ok) return { status: 403, body: { error: result.message } };
        return { status: 201, body: { deviceSecret: result.deviceSecret } };
      },
    },
    {
      method: "PUT",
      path: "/device/v1/push-token",
      async handler(req) {
        const d = await device(engine, req);
        const body = parse(pushTokenBody, req.body);
        await registerPushToken(engine, d.id, body.token);
        return { status: 204 };
      },
    },
    {
      method: "GET",
      path: "/device/v1/commands/next",
      async handler(req) {
        const d = await device(engine, req);
        const command = await fetchPendingCommand(engine, d);
        return command ? { status: 200, body: { command } } : { status: 204 };
      },
    },
    {
      method: "POST",
      path: "/device/v1/commands/:requestId/reports",
      async handler(req) {
        const d = await device(engine, req);
        const body = parse(reportBody, req.body);
        const result = await reportDeviceStep(engine, d, req.params.requestId ?? "", body);
        if (!result.ok) return { status: result.status, body: { error: result.message } };
        return { status: 200, body: { state: result.state, changed: result.changed } };
      },
    },
  ];
}
