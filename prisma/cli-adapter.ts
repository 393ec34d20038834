// Driver adapters for the Prisma CLI. The PostgreSQL one works round prisma/orm#27403: the JS
// schema engine cannot read catalog columns of type `name` (OID 19) and `"char"` (OID 18), so
// this client reports them as `text` (OID 25). The application itself does not use it.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const CATALOG_OIDS = new Set([18, 19]);
const TEXT_OID = 25;

function textForCatalogTypes(result: pg.QueryResult | pg.QueryResult[]): void {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const field of r?.fields ?? []) {
      if (CATALOG_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
    }
  }
}

export async function cliAdapter(provider: "postgresql" | "sqlite") {
  const url = process.env.DATABASE_URL ?? "";
  if (provider === "sqlite") {
    return new PrismaBetterSQLite3({ url: url.startsWith("file:") ? url : "file:./data/latchkey.db" });
  }
  const schema = new URL(url).searchParams.get("schema") ?? undefined;
  const pool = new pg.Pool({ connectionString: url });
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<pg.QueryResult>;
  (pool as unknown as { query: unknown }).query = async (...args: unknown[]) => {
    const result = await query(...args);
    textForCatalogTypes(result);
    return result;
  };
  return new PrismaPg(pool, schema ? { schema } : undefined);
}
