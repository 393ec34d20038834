// Promise 3 of issue 5, the database: PostgreSQL goes away for a few seconds while resets are in
// flight, twice: every connection cut at a TCP proxy in front of it (and new ones refused), then
// the backends of Latchkey's connections terminated by the server (pg_terminate_backend, only
// ours: other suites share the server). Latchkey must not crash (no unhandled rejection, no
// exit), the device agents' calls fail meanwhile and are retried, and every request resumes and
// completes once, its timeline in order and its passcode mailed once per recipient.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_URL, postgresAvailable, REQUIRE_PG } from "../support/databases.ts";
import { type Cluster, startCluster } from "./support/cluster.ts";
import { ADMIN, leaks, pgSchemaUrl, sequenceProblems } from "./support/fixtures.ts";
import { crashes } from "./support/processes.ts";
import { writeReport } from "./support/report.ts";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.ts";

const pgUp = REQUIRE_PG || (await postgresAvailable());
/** The first test resets all but the last device; the second test resets the last one. */
const DEVICES = 13;

describe.skipIf(!pgUp)("the database goes away for a few seconds", () => {
  const db = pgSchemaUrl("dbfault");
  let proxy: TcpProxy;
  let c: Cluster;

  beforeAll(async () => {
    const target = new URL(PG_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    c = await startCluster({
      name: "dbfault",
      processes: 2,
      devices: DEVICES,
      dbUrl: viaProxy.toString(),
      readerUrl: db.url,
      // The phone takes its time, so the outage lands between its steps.
      fleet: { stepDelayMs: 1500 },
    });
  }, 180_000);

  afterAll(async () => {
    await c?.stop();
    await proxy?.close();
    await db.drop();
  }, 60_000);

  it("requests resume after the connections are cut and after their backends are terminated", async () => {
    const half = 6;
    const ids: string[] = [];
    const faults = { connectionsCut: 0, backendsTerminated: 0, outageSeconds: 0 };

    // Outage 1: the proxy cuts everything for 5 s while six resets run.
    for (const d of c.devices.slice(0, half)) ids.push(await c.drive(d, { notifyUser: true }));
    await new Promise((r) => setTimeout(r, 1000));
    proxy.down();
    const downAt = Date.now();
    // A reset asked for during the outage: the driver gets a failure and tries again.
    const duringOutage = c.drive(c.devices[half] ?? "", { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 5000));
    proxy.up();
    faults.outageSeconds += (Date.now() - downAt) / 1000;
    faults.connectionsCut = proxy.cut;
    ids.push(await duringOutage);

    // Outage 2: the server terminates every backend of Latchkey's connections.
    for (const d of c.devices.slice(half + 1, DEVICES - 1)) ids.push(await c.drive(d));
    await new Promise((r) => setTimeout(r, 1000));
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const ports = proxy.upstreamPorts();
      const res = await admin.query<{ ok: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND pid <> pg_backend_pid()",
        [ports],
      );
      faults.backendsTerminated = res.rows.filter((r) => r.ok).length;
    } finally {
      await admin.end();
    }
    expect(faults.backendsTerminated).toBeGreaterThan(0);

    const finals = await c.settle(ids, 150_000);
    const problems: string[] = [];
    let doubleMails = 0;
    const delivered: string[] = [];
    for (const id of ids) {
      if (finals.get(id) !== "completed") problems.push(`${id} ended ${finals.get(id)}`);
      const events = await c.reader.engine.stores.requests.events(id);
      for (const p of sequenceProblems(events, "completed")) problems.push(`${id}: ${p}`);
      const mails = c.smtp.inbox.filter((m) => m.requestId === id);
      const recipients = new Set(mails.flatMap((m) => m.to));
      if (mails.length !== recipients.size) {
        doubleMails++;
        problems.push(
          `${id}: ${mails.length} mails to ${[...recipients].join(",")}; timeline ${events.map((e) => `${e.type}(${e.detail.slice(0, 80)})`).join(" > ")}`,
        );
      }
      if (!recipients.has(ADMIN)) problems.push(`${id}: no mail to the admin`);
      for (const m of mails) if (m.passcode) delivered.push(m.passcode);
    }
    const output = c.replicas.flatMap((r) => r.output);
    const leaked = leaks(delivered, output);
    const crashed = crashes(c.replicas);
    // The outage was noticed (logged), not hidden.
    const logged = output.filter((l) => /"level":(40|50)/.test(l)).length;

    writeReport("faults-db", {
      processes: c.replicas.length,
      resetsDriven: ids.length,
      processesKilled: 0,
      faultsInjected: {
        "db-connections-cut": faults.connectionsCut,
        "db-backends-terminated": faults.backendsTerminated,
      },
      requestsLost: ids.length - finals.size,
      doubleResets: 0,
      passcodesLeaked: leaked.length,
      doubleMails,
      outageSeconds: faults.outageSeconds,
      warningsLogged: logged,
      crashes: crashed.length,
      problems: problems.slice(0, 30),
    });
    expect(crashed).toEqual([]);
    for (const r of c.replicas) expect(r.exit, `${r.name} still runs`).toBeNull();
    expect(problems).toEqual([]);
    expect(doubleMails).toBe(0);
    expect(leaked).toEqual([]);
    expect(faults.connectionsCut).toBeGreaterThan(0);
  }, 300_000);

  it("the database goes away just after the mail server took a passcode: it is still mailed once", async () => {
    const device = c.devices[DEVICES - 1] ?? "";
    let cutAt = 0;
    c.smtp.beforeAccept = async (mail) => {
      if (cutAt || !mail.requestId) return;
      // The message is in; before the server says 250 the database goes, for 6 s: Latchkey
      // learns of the success while it cannot record it.
      cutAt = Date.now();
      proxy.down();
      setTimeout(() => proxy.up(), 6000);
      await new Promise((r) => setTimeout(r, 200));
    };
    const cutBefore = proxy.cut;
    let id = "";
    try {
      id = await c.drive(device);
      const finals = await c.settle([id], 90_000);
      expect(cutAt).toBeGreaterThan(0);
      expect(finals.get(id)).toBe("completed");
      // Long enough for a retry after the first backoff (10 s) and the next sweep (every 10 s).
      await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 25_000 - Date.now())));
    } finally {
      c.smtp.beforeAccept = null;
      proxy.up();
    }
    const mails = c.smtp.inbox.filter((m) => m.requestId === id);
    const events = await c.reader.engine.stores.requests.events(id);
    const crashed = crashes(c.replicas);
    writeReport("faults-db-after-send", {
      // The same processes as the section above: not counted twice.
      processes: 0,
      resetsDriven: 1,
      processesKilled: 0,
      faultsInjected: { "db-cut-after-smtp-accept": 1, "db-connections-cut": proxy.cut - cutBefore },
      requestsLost: 0,
      doubleResets: 0,
      passcodesLeaked: leaks(
        mails.flatMap((m) => (m.passcode ? [m.passcode] : [])),
        c.replicas.flatMap((r) => r.output),
      ).length,
      doubleMails: Math.max(0, mails.length - 1),
      crashes: crashed.length,
    });
    expect(crashed).toEqual([]);
    expect(sequenceProblems(events, "completed")).toEqual([]);
    expect(events.filter((e) => e.type === "delivered")).toHaveLength(1);
    expect(mails.map((m) => m.to)).toEqual([[ADMIN]]);
  }, 180_000);
});
