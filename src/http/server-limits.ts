// Timeouts and limits of every node:http server Latchkey starts (the main port, the metrics
// port), chosen rather than inherited: node's defaults let one client hold a connection open for
// five minutes sending a request byte by byte, and accept any number of connections.
import { createServer, type RequestListener, type Server, type ServerOptions } from "node:http";

/** Whole headers within 10 s: honest clients send them in one packet; a slowloris is cut off. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request (bodies are at most 1 MB, mostly a few KB) within 30 s, then 408. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Idle keep-alive longer than load balancers' own (60 s), so they close first and never race a close into a 502. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** How often node checks the two timeouts above (its default, 30 s, would let them run 30 s late). */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
/** Header bytes per request: node's default 16 KiB, set here so it never silently changes (a Bot Framework JWT is ~2 KiB). */
export const MAX_HEADER_SIZE = 16 * 1024;
/** Header lines per request: Slack, Bot Framework and proxies send a few dozen; node's default is 2000. */
export const MAX_HEADERS_COUNT = 100;
/** Open connections: ten times a busy moment (bench 3: 1000 phones at once); past it new ones are closed at once, so a flood cannot take every file descriptor. */
export const MAX_CONNECTIONS = 10_000;

/** A node:http server with Latchkey's timeouts and limits. */
export function createLimitedServer(listener: RequestListener): Server {
  const options: ServerOptions = {
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    maxHeaderSize: MAX_HEADER_SIZE,
  };
  const server = createServer(options, listener);
  server.maxHeadersCount = MAX_HEADERS_COUNT;
  server.maxConnections = MAX_CONNECTIONS;
  return server;
}
