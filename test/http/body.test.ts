// Reading a request body within a limit (src/http/body.ts), over real HTTP: the bytes as sent, a
// body over the limit declared or streamed without a length (the answer 413 still reaches the
// client), and a client that goes away mid-body.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBody } from "../../src/http/body.ts";

const LIMIT = 1024;
let server: Server;
let url: string;
const outcomes: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    readBody(req, LIMIT).then(
      (body) => {
        outcomes.push(body ? `read ${body.length}` : "too large");
        res.writeHead(body ? 200 : 413).end(body ?? undefined);
      },
      (err: Error) => outcomes.push(`rejected: ${err.message}`),
    );
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((ok) => server.close(ok)));

/** Sends `parts` one write at a time, chunked (no Content-Length) unless `length` is given. */
function send(parts: Buffer[], length?: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: length === undefined ? {} : { "content-length": length },
    });
    req.on("response", (res) => {
      const got: Buffer[] = [];
      res.on("data", (c: Buffer) => got.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(got) }));
    });
    req.on("error", reject);
    for (const p of parts) req.write(p);
    req.end();
  });
}

describe("readBody", () => {
  it("returns the bytes as sent, in several chunks or none", async () => {
    const parts = [Buffer.from("é".repeat(100)), Buffer.from([0, 1, 2, 255]), Buffer.alloc(300, 7)];
    const res = await send(parts);
    expect(res.status).toBe(200);
    expect(res.body.equals(Buffer.concat(parts))).toBe(true);
    expect((await send([])).status).toBe(200);
    expect((await send([Buffer.alloc(LIMIT, 1)])).status).toBe(200);
  });

  it("refuses a body over the limit, declared or streamed, and the client still gets its 413", async () => {
    expect((await send([Buffer.alloc(LIMIT + 1)], LIMIT + 1)).status).toBe(413);
    const streamed = await send([Buffer.alloc(600, 1), Buffer.alloc(600, 2), Buffer.alloc(600, 3)]);
    expect(streamed.status).toBe(413);
    expect(outcomes.slice(-1)).toEqual(["too large"]);
  });

  it("rejects when the client goes away mid-body", async () => {
    const before = outcomes.length;
    await new Promise<void>((ok) => {
      const req = request(url, { method: "POST", headers: { "content-length": 500 } });
      req.on("error", () => ok());
      req.write(Buffer.alloc(100));
      setTimeout(() => {
        req.destroy();
        ok();
      }, 50);
    });
    for (let i = 0; i < 50 && outcomes.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(outcomes.slice(before)).toEqual([expect.stringMatching(/^rejected/)]);
  });
});
