// The embedded default's push service: instead of Firebase, "pushes" go over HTTP to the
// device simulator served by the Latchkey server (`POST /simulator/push`). The CLI uses the
// same channel, so a reset started from a terminal reaches the simulated phones too.
import type { PushChannel } from "../../core/ports.ts";

export function createLocalPushChannel(opts: { serverUrl: string; timeoutMs?: number }): PushChannel {
  return {
    async send(device, message) {
      try {
        const res = await fetch(`${opts.serverUrl}/simulator/push`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ deviceId: device.id, requestId: message.requestId }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
        });
        if (res.status === 202) return { ok: true };
        if (res.status === 404) {
          return { ok: false, kind: "no_registration", message: "The simulator does not know this device." };
        }
        return { ok: false, kind: "transient", message: `The local push channel answered ${res.status}.` };
      } catch {
        return {
          ok: false,
          kind: "transient",
          message: `The local push channel (the Latchkey server at ${opts.serverUrl}) is not reachable; is \`npm start\` running?`,
        };
      }
    },
  };
}
