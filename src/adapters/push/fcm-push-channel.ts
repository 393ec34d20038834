// Firebase Cloud Messaging sender: wakes the device agent with a data-only push. The push only
// says "a command waits" (plus the request id); the agent fetches the command over the
// authenticated device API, so no passcode ever travels through Google or Apple.
import { randomUUID } from "node:crypto";
import type http from "node:http";
import {
  type App,
  type AppOptions,
  applicationDefault,
  type Credential,
  cert,
  deleteApp,
  initializeApp,
} from "firebase-admin/app";
import { getMessaging, type Message } from "firebase-admin/messaging";
import type { PushChannel, PushMessage, PushResult } from "../../core/ports.ts";
import type { Device } from "../../core/types.ts";

export interface FcmPushChannelOptions {
  /** Path to a service-account JSON file; ignored when `credential` is given. */
  serviceAccountPath?: string;
  /** Any firebase-admin credential (tests pass a stub). Falls back to application default credentials. */
  credential?: Credential;
  /** Needed when the credential does not carry one (a service-account file does). */
  projectId?: string;
  /** Prefix of the firebase-admin app name; a random suffix keeps every channel's app distinct. */
  appName?: string;
  /** Agent for firebase-admin's outgoing HTTP requests (proxies, keep-alive tuning). */
  httpAgent?: http.Agent;
}

export type FcmPushChannel = PushChannel & { close(): Promise<void> };

type Failure = Extract<PushResult, { ok: false }>;

export const PUSH_MESSAGE_TYPE = "latchkey.command";

export function createFcmPushChannel(opts: FcmPushChannelOptions = {}): FcmPushChannel {
  const credential =
    opts.credential ?? (opts.serviceAccountPath ? cert(opts.serviceAccountPath) : applicationDefault());
  const appOptions: AppOptions = { credential };
  if (opts.projectId) appOptions.projectId = opts.projectId;
  if (opts.httpAgent) appOptions.httpAgent = opts.httpAgent;
  // A named app of our own (never the default app): several channels, or tests, can coexist,
  // and close() removes exactly this one.
  const app: App = initializeApp(appOptions, `${opts.appName ?? "latchkey-fcm"}-${randomUUID()}`);
  let closed = false;

  return {
    async send(device: Device, message: PushMessage): Promise<PushResult> {
      if (closed) throw new Error("FCM push channel used after close()");
      if (!device.pushToken) {
        return {
          ok: false,
          kind: "no_registration",
          message:
            "This device has not registered for push notifications yet (the Latchkey agent has not reported a push token).",
        };
      }
      try {
        await getMessaging(app).send(buildMessage(device.pushToken, message));
        return { ok: true };
      } catch (err) {
        return describeFcmError(err);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await deleteApp(app);
    },
  };
}

/** Data-only, high priority; carries the request id and nothing else. */
export function buildMessage(token: string, message: PushMessage): Message {
  return {
    token,
    data: { type: PUSH_MESSAGE_TYPE, requestId: message.requestId },
    android: { priority: "high" },
    apns: {
      headers: { "apns-priority": "5", "apns-push-type": "background" },
      payload: { aps: { "content-available": 1 } },
    },
  };
}

const TRY_AGAIN = "Latchkey will try again.";

/** The one place that turns a firebase-admin error into a result an IT admin can read. */
export function describeFcmError(err: unknown): Failure {
  const code = errorCode(err);
  switch (code) {
    case "messaging/registration-token-not-registered":
      return {
        ok: false,
        kind: "unregistered",
        message:
          "Firebase says this device's push registration is no longer valid (the app was uninstalled or its data cleared).",
      };
    case "messaging/invalid-registration-token":
      return {
        ok: false,
        kind: "invalid",
        message:
          "Firebase says this device's push token is malformed; the Latchkey agent must register again.",
      };
    case "messaging/mismatched-credential":
    case "messaging/sender-id-mismatch":
      return {
        ok: false,
        kind: "invalid",
        message:
          "This device's push token belongs to a different Firebase project than the one Latchkey is configured with.",
      };
    case "messaging/invalid-argument":
    case "messaging/invalid-recipient":
    case "messaging/invalid-payload":
    case "messaging/invalid-data-payload-key":
    case "messaging/invalid-options":
    case "messaging/invalid-package-name":
    case "messaging/payload-size-limit-exceeded":
      return {
        ok: false,
        kind: "invalid",
        message: "Firebase rejected the push message as invalid (the device's push token may be malformed).",
      };
    case "messaging/quota-exceeded":
    case "messaging/message-rate-exceeded":
    case "messaging/device-message-rate-exceeded":
    case "messaging/topics-message-rate-exceeded":
      return {
        ok: false,
        kind: "transient",
        message: `Firebase is limiting how many push messages Latchkey may send right now. ${TRY_AGAIN}`,
      };
    case "messaging/unavailable":
    case "messaging/server-unavailable":
    case "messaging/internal-error":
      return {
        ok: false,
        kind: "transient",
        message: `Firebase Cloud Messaging is temporarily unavailable. ${TRY_AGAIN}`,
      };
    case "app/network-error":
    case "app/network-timeout":
      return {
        ok: false,
        kind: "transient",
        message: `Latchkey could not reach Firebase Cloud Messaging (network problem). ${TRY_AGAIN}`,
      };
    case "messaging/authentication-error":
    case "app/invalid-credential":
      return {
        ok: false,
        kind: "transient",
        message: `Latchkey could not sign in to Firebase; check the Firebase service account. ${TRY_AGAIN}`,
      };
    case "messaging/third-party-auth-error":
      return {
        ok: false,
        kind: "transient",
        message: `Firebase could not pass the push on to Apple; check the APNs key in the Firebase project. ${TRY_AGAIN}`,
      };
    default:
      return {
        ok: false,
        kind: "transient",
        message: `Firebase Cloud Messaging failed in an unexpected way. ${TRY_AGAIN}`,
      };
  }
}

function errorCode(err: unknown): string | null {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") {
    return err.code;
  }
  return null;
}
