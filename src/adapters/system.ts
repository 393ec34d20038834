// The real clock and the cryptographic random source.
import { randomBytes, randomInt } from "node:crypto";
import type { Clock, Random } from "../core/ports.ts";

export const systemClock: Clock = { now: () => new Date() };

export const cryptoRandom: Random = {
  int: (maxExclusive) => randomInt(maxExclusive),
  id: (prefix) => `${prefix}_${randomBytes(8).toString("hex")}`,
  secret: (bytes) => randomBytes(bytes).toString("base64url"),
};
