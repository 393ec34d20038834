// SQLite's single-statement writes commit together (group-commit.ts), on a real better-sqlite3
// database in WAL mode as Latchkey opens it: the writes asked for in one turn share a transaction
// at its end, each promise settles after that commit, a failing statement fails alone, an error
// that ends the transaction fails the round, and an open transaction on the connection (Prisma's,
// during an inventory import) holds the round back instead of taking it in.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Sqlite from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGroupCommit } from "../../../src/adapters/db/group-commit.ts";
import { Prisma } from "../../../src/generated/postgresql/client.ts";

let dir: string;
let db: Sqlite.Database;
let statements = 0;
const exec = (q: Prisma.Sql) => {
  statements++;
  return db.prepare(q.sql).run(...q.values).changes;
};
const count = () => (db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n;
const insert = (k: string) => Prisma.sql`INSERT INTO t (k) VALUES (${k})`;
const turn = () => new Promise((ok) => setImmediate(ok));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "latchkey-group-commit-"));
  db = new Sqlite(join(dir, "g.db"));
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  statements = 0;
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("group commit", () => {
  it("runs the writes of one turn in one transaction at its end, each settling after the commit", async () => {
    const { run } = createGroupCommit(() => db, exec);
    const writes = Array.from({ length: 50 }, (_, i) => run(insert(`k${i}`)));
    expect(count()).toBe(0); // asked for, not yet run
    const settled: number[] = [];
    writes.forEach((w, i) => void w.then(() => settled.push(i)));
    expect(await Promise.all(writes)).toEqual(Array(50).fill(1));
    expect(settled).toEqual(settled.slice().sort((a, b) => a - b)); // in the order asked
    expect(count()).toBe(50);
    expect(db.inTransaction).toBe(false);
    // Another reader sees them committed.
    const reader = new Sqlite(join(dir, "g.db"), { readonly: true });
    expect((reader.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n).toBe(50);
    reader.close();
    // The next turn's writes are a round of their own.
    await expect(run(Prisma.sql`UPDATE t SET k = k || '!' WHERE k LIKE 'k1%'`)).resolves.toBe(11);
  });

  it("fails a statement alone (a constraint), and commits the rest of its round", async () => {
    const { run } = createGroupCommit(() => db, exec);
    await run(insert("taken"));
    const round = [run(insert("a")), run(insert("taken")), run(insert("b"))];
    const outcomes = await Promise.allSettled(round);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(db.prepare("SELECT k FROM t ORDER BY k").pluck().all()).toEqual(["a", "b", "taken"]);
  });

  it("fails the whole round when a statement ends its transaction: nothing of it is kept", async () => {
    const { run } = createGroupCommit(() => db, exec);
    const round = [run(insert("a")), run(Prisma.sql`ROLLBACK`), run(insert("b"))];
    const outcomes = await Promise.allSettled(round);
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    expect(count()).toBe(0);
    expect(db.inTransaction).toBe(false);
    await expect(run(insert("c"))).resolves.toBe(1); // the next round goes on
  });

  it("waits while another transaction is open on the connection, rather than joining it", async () => {
    const { run } = createGroupCommit(() => db, exec);
    db.exec("BEGIN");
    db.exec("INSERT INTO t (k) VALUES ('import')");
    const write = run(insert("audit"));
    for (let i = 0; i < 5; i++) await turn();
    expect(statements).toBe(0);
    db.exec("ROLLBACK"); // the import fails: the write waiting outside it must survive
    await expect(write).resolves.toBe(1);
    expect(db.prepare("SELECT k FROM t").pluck().all()).toEqual(["audit"]);
  });
});
