import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server the bench measures PostgreSQL on, via its maintenance database. */
const maintenanceUrl = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function maintenance(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 20_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database for the PostgreSQL runs; `drop` removes it (and any connection left). */
export async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cg_bench_${randomBytes(5).toString("hex")}`;
  await maintenance(`CREATE DATABASE ${name}`);
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => maintenance(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
