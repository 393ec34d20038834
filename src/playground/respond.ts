// The Playground's answers: files, JSON, and bodies read with a bound.
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../http/body.ts";

const MAX_BODY = 1024 * 1024;

export async function readText(req: IncomingMessage): Promise<string> {
  const body = await readBody(req, MAX_BODY);
  if (!body) throw new Error("Playground request body too large");
  return body.toString("utf8");
}

export async function sendFile(res: ServerResponse, file: string, type: string): Promise<void> {
  const body = await readFile(file);
  res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" })
    .end(JSON.stringify(body));
}
