import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * The PostgreSQL server the tests use (trust auth on 127.0.0.1 on every machine and in CI), via
 * its maintenance database. When it cannot be reached, the PostgreSQL tests fail: they never skip.
 */
export const maintenanceUrl = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A database of its own for one test file or test, dropped (with its connections) when done. */
export interface TestDatabase {
  url: string;
  name: string;
  /** A URL into the same database whose connections work in schema `schema` (made when missing). */
  schemaUrl(schema: string): Promise<string>;
  /**
   * Takes the database away as a server restart does, without touching the server (other test
   * runs share it): every open connection is terminated (57P01) and new ones are refused until
   * `reachable(true)`.
   */
  reachable(yes: boolean): Promise<void>;
  drop(): Promise<void>;
}

async function maintenance<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 20_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Test databases older than this were left by a killed run (a test never takes this long): dropped. */
const STALE_SECONDS = 6 * 3600;

let sweptStale = false;

/** Drops `cg_test_<epoch seconds>_…` databases that a killed run left behind, once per test process. */
async function dropStale(client: pg.Client): Promise<void> {
  if (sweptStale) return;
  sweptStale = true;
  const { rows } = await client.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname ~ '^cg_test_[0-9]+_[0-9a-f]+$'",
  );
  const now = Math.floor(Date.now() / 1000);
  for (const { datname } of rows) {
    const born = Number(datname.split("_")[2]);
    if (now - born > STALE_SECONDS) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
}

/** Creates `cg_test_<epoch seconds>_<random>` on the server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cg_test_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
  await maintenance(async (client) => {
    await dropStale(client);
    await client.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    schemaUrl: async (schema) => {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } finally {
        await client.end();
      }
      const scoped = new URL(url.toString());
      scoped.searchParams.set("options", `-c search_path=${schema}`);
      return scoped.toString();
    },
    reachable: async (yes) => {
      await maintenance(async (client) => {
        await client.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS ${yes ? "true" : "false"}`);
        if (!yes) {
          await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
        }
      });
    },
    drop: async () => {
      await maintenance((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** How many rows a table of a test database holds. */
export async function countRows(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
