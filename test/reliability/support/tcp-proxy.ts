// A TCP proxy in front of PostgreSQL that the test can pull the plug on: `down()` cuts every
// connection and refuses new ones (the database "goes away"), `up()` lets them through again.
// `upstreamPorts()` names the proxy's own sockets to the server, so a test can find exactly its
// backends in pg_stat_activity (and terminate only those: other suites share the server).
import { type AddressInfo, connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  down(): void;
  up(): void;
  upstreamPorts(): number[];
  /** Connections cut or refused while down. */
  cut: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let isUp = true;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const proxy: TcpProxy = {
    port: 0,
    cut: 0,
    down() {
      isUp = false;
      for (const p of pairs) {
        proxy.cut++;
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
    },
    up() {
      isUp = true;
    },
    upstreamPorts() {
      return [...pairs].flatMap((p) => (p.upstream.localPort ? [p.upstream.localPort] : []));
    },
    async close() {
      proxy.down();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
  const server = createServer((client) => {
    client.on("error", () => {});
    if (!isUp) {
      proxy.cut++;
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on("error", () => client.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", drop);
    upstream.on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((ok) => server.once("listening", () => ok()));
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}
