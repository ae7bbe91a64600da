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

/** Drops `cg_role_<epoch seconds>_…` roles that a killed run left behind (with what they own). */
async function dropStaleRoles(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ rolname: string }>(
    "SELECT rolname FROM pg_roles WHERE rolname ~ '^cg_role_[0-9]+_[0-9a-f]+$'",
  );
  const now = Math.floor(Date.now() / 1000);
  for (const { rolname } of rows) {
    const born = Number(rolname.split("_")[2]);
    if (now - born > STALE_SECONDS) await client.query(`DROP ROLE IF EXISTS ${rolname}`).catch(() => undefined);
  }
}

/**
 * A login role of its own that owns everything it creates in `database` (a gateway run as it
 * migrates the schema), so that a test can take its right to write away and give it back while
 * the gateway runs, as an operator revoking privileges or a read-only replica would.
 */
export interface TestRole {
  /** The database's URL, connecting as this role. */
  url: string;
  name: string;
  /**
   * `false` revokes INSERT, UPDATE, DELETE and TRUNCATE on every table of the database's
   * `public` schema (effective on open connections at their next statement: writes and
   * `FOR UPDATE` claims fail with 42501); `true` grants them again.
   */
  writable(yes: boolean): Promise<void>;
  /** Drops the role; call after the database is dropped (it owns objects in it). */
  drop(): Promise<void>;
}

/** Creates `cg_role_<epoch seconds>_<random>`, allowed to create tables in `database`'s `public` schema. */
export async function createTestRole(database: TestDatabase): Promise<TestRole> {
  const name = `cg_role_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
  await maintenance(async (client) => {
    await dropStaleRoles(client);
    await client.query(`CREATE ROLE ${name} LOGIN`);
  });
  const inDatabase = async (statement: string) => {
    const client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 20_000 });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await inDatabase(`GRANT ALL ON SCHEMA public TO ${name}`);
  const url = new URL(database.url);
  url.username = name;
  const rights = "INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public";
  return {
    name,
    url: url.toString(),
    writable: (yes) => inDatabase(yes ? `GRANT ${rights} TO ${name}` : `REVOKE ${rights} FROM ${name}`),
    drop: async () => {
      await maintenance((client) => client.query(`DROP ROLE IF EXISTS ${name}`));
    },
  };
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
