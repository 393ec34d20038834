// Which address the device API's per-address limits count against, with and without trusted
// reverse proxies (TRUST_PROXY_HOPS). The caller's own X-Forwarded-For entries are never believed.
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress } from "../../src/http/client-address.ts";

function call(peer: string, forwardedFor?: string | string[]): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor };
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

describe("clientAddress", () => {
  it("with no trusted proxy, is the socket's peer whatever the header says", () => {
    expect(clientAddress(call("203.0.113.9", "198.51.100.7"), 0)).toBe("203.0.113.9");
    expect(clientAddress(call("::1"), 0)).toBe("::1");
  });

  it("behind one proxy, is the address that proxy appended, not what the caller wrote before it", () => {
    expect(clientAddress(call("10.0.0.2", "198.51.100.7"), 1)).toBe("198.51.100.7");
    // The caller sent "X-Forwarded-For: 192.0.2.66"; the proxy appended the real peer.
    expect(clientAddress(call("10.0.0.2", "192.0.2.66, 198.51.100.7"), 1)).toBe("198.51.100.7");
    // The same, with the proxy adding a second header line instead of appending.
    expect(clientAddress(call("10.0.0.2", ["192.0.2.66", "198.51.100.7"]), 1)).toBe("198.51.100.7");
  });

  it("behind two proxies, counts two hops in from the peer", () => {
    expect(clientAddress(call("10.0.0.3", "192.0.2.66, 198.51.100.7, 10.0.0.2"), 2)).toBe("198.51.100.7");
  });

  it("with fewer entries than trusted hops (a call that went round the proxy), is the furthest one known", () => {
    expect(clientAddress(call("198.51.100.7"), 1)).toBe("198.51.100.7");
    expect(clientAddress(call("10.0.0.3", "198.51.100.7"), 3)).toBe("198.51.100.7");
  });

  it("strips a port and IPv6 brackets; an entry that is no address falls back to the peer", () => {
    expect(clientAddress(call("10.0.0.2", "198.51.100.7:51234"), 1)).toBe("198.51.100.7");
    expect(clientAddress(call("10.0.0.2", "[2001:db8::7]:443"), 1)).toBe("2001:db8::7");
    expect(clientAddress(call("10.0.0.2", "2001:db8::7"), 1)).toBe("2001:db8::7");
    expect(clientAddress(call("10.0.0.2", "unknown"), 1)).toBe("10.0.0.2");
    expect(clientAddress(call("10.0.0.2", "  "), 1)).toBe("10.0.0.2");
  });
});
