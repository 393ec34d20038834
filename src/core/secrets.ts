// Passcode material at rest: AES-256-GCM under PASSCODE_KEY, and keyed digests for the
// "never reuse a recent passcode" rule (a plain hash of an 8-digit code is brute-forced in
// seconds; an HMAC under the key is not). Device secrets and idempotency keys are high-entropy
// or caller-chosen values stored as SHA-256 digests.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

const VERSION = "v1";

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  digest(scope: string, value: string): string;
  /** Identifies the key (not secret) so a rotation can tell which rows need re-encrypting. */
  keyId: string;
}

/**
 * `key` seals; it and `previousKeys` open (a rotation keeps the old key in previousKeys until
 * nothing sealed with it remains: REQUEST_EXPIRY + PASSCODE_RETENTION at most).
 */
export function createSecretBox(key: Buffer, previousKeys: Buffer[] = []): SecretBox {
  if (key.length !== 32) throw new Error("PASSCODE_KEY must be 32 bytes");
  if (previousKeys.some((k) => k.length !== 32))
    throw new Error("PASSCODE_KEY_PREVIOUS keys must be 32 bytes");
  const idOf = (k: Buffer) => createHash("sha256").update(k).digest("hex").slice(0, 8);
  const keyId = idOf(key);
  const keys = new Map<string, Buffer>();
  for (const k of [key, ...previousKeys]) {
    const id = idOf(k);
    const held = keys.get(id);
    // Two different keys with one 32-bit id would open with the wrong key: refuse to start.
    if (held && !held.equals(k)) throw new Error(`two passcode keys share the key id ${id}; replace one`);
    keys.set(id, k);
  }
  return {
    keyId,
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(`${VERSION}:${keyId}`));
      const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        VERSION,
        keyId,
        iv.toString("base64url"),
        tag.toString("base64url"),
        ct.toString("base64url"),
      ].join(":");
    },
    open(sealed) {
      const [version, id, iv, tag, ct] = sealed.split(":");
      if (version !== VERSION || !id || !iv || !tag || ct === undefined) {
        throw new Error("the stored passcode cannot be decrypted: unknown format");
      }
      const k = keys.get(id);
      if (!k) {
        // Names key ids only (not secret), so it can go to the timeline.
        throw new Error(
          `the stored passcode was encrypted with key ${id}, which is neither PASSCODE_KEY (${keyId}) nor in PASSCODE_KEY_PREVIOUS`,
        );
      }
      const decipher = createDecipheriv("aes-256-gcm", k, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(`${VERSION}:${id}`));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    },
    digest(scope, value) {
      return createHmac("sha256", key).update(`${scope}\0${value}`).digest("base64url");
    },
  };
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
