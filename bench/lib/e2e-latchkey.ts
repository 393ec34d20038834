// Latchkey for benchmark 3, as a child process: what `npm start` runs (startLatchkey on the
// configuration from the environment: embedded database or DATABASE_URL, local push, simulated
// phones with SIMULATOR_DELAY, Slack pointed at the fake Web API, Slack's production pacing unless
// BENCH_SLACK_PACING=off), plus, for the benchmark only:
// - BENCH_INVENTORY: an inventory file imported at start (instead of the demo one);
// - BENCH_PREENROLL=true: every simulated phone enrolls before the benchmark starts, as a real
//   fleet's agents are enrolled when they are set up (not at their first reset);
// - BENCH_CONTROL_PORT: a second listener the benchmark reads progress and results from, so that
//   nothing of it runs on Latchkey's own port: GET /progress (requests per state, from a timeline
//   observer: no database query), GET /requests (every request with its timeline, after the run),
//   GET /cpu (this process's CPU time so far).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { startLatchkey } from "../../src/compose.ts";
import { loadConfig } from "../../src/config.ts";
import { isFinal, type RequestState } from "../../src/core/types.ts";
import { parseInventory } from "../../src/inventory/parse-inventory.ts";

const config = loadConfig(process.env);
const log = createLogger(config.logLevel);
const pacingOff = process.env.BENCH_SLACK_PACING === "off";
const running = await startLatchkey(
  config,
  log,
  pacingOff ? { slack: { postIntervalMs: 0, updateIntervalMs: 0 } } : {},
);
const { engine } = running.core;

if (process.env.BENCH_INVENTORY) {
  const parsed = parseInventory(readFileSync(process.env.BENCH_INVENTORY, "utf8"), "json");
  if (!parsed.ok) throw new Error(`bench inventory: ${parsed.errors[0]?.message}`);
  await engine.stores.directory.upsertInventory(parsed.people, parsed.devices);
  const { simulator } = running;
  if (process.env.BENCH_PREENROLL === "true" && simulator) {
    // Woken with no command waiting, a phone enrolls, asks for its next command, and is done. A
    // phone told to come back later (429: enrollments from one address queue) is woken again, as
    // a real agent retries after Retry-After.
    let waiting = parsed.devices.map((d) => d.id);
    const deadline = Date.now() + 300_000;
    while (waiting.length > 0) {
      if (Date.now() > deadline) throw new Error(`bench: ${waiting.length} simulated phones did not enroll`);
      for (const id of waiting) simulator.wake(id);
      await new Promise((ok) => setTimeout(ok, 2_000));
      const devices = await Promise.all(waiting.map((id) => engine.stores.directory.device(id)));
      waiting = waiting.filter((_, i) => !devices[i]?.enrolled);
    }
  }
}

const states = new Map<string, string>();
engine.observers.push({
  onEvent(request) {
    // Each event comes with the request as its flow last read it: a delivery's "delivered" can
    // be told after another delivery's "completed", with the request still "locked". A final
    // state is kept, or the benchmark would wait for a reset that has ended.
    if (isFinal((states.get(request.id) ?? "requested") as RequestState)) return;
    states.set(request.id, request.state);
  },
});

const control = createServer((req, res) => {
  const reply = (body: unknown) =>
    void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  if (req.url === "/progress") {
    const counts: Record<string, number> = {};
    for (const s of states.values()) counts[s] = (counts[s] ?? 0) + 1;
    return reply({ counts });
  }
  if (req.url === "/cpu") {
    const u = process.cpuUsage();
    return reply({ cpuMs: (u.user + u.system) / 1000, rssMiB: process.memoryUsage().rss / 2 ** 20 });
  }
  if (req.url === "/requests") {
    void (async () => {
      const requests = await engine.stores.requests.list({ limit: 1_000_000 });
      const out = [];
      for (const r of requests) {
        const events = await engine.stores.requests.events(r.id);
        out.push({
          id: r.id,
          deviceId: r.deviceId,
          state: r.state,
          events: events.map((e) => ({ type: e.type, at: e.at.getTime() })),
        });
      }
      reply(out);
    })().catch((err: unknown) => void res.writeHead(500).end(String(err)));
    return;
  }
  res.writeHead(404).end();
});
control.listen(Number(process.env.BENCH_CONTROL_PORT), "127.0.0.1");

const stop = async () => {
  control.close();
  await running.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
