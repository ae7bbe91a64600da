import type { Config } from "../config/config.js";
import { isPostgresUrl } from "../config/load-config.js";
import { pricingFrom } from "../memory/pricing.js";
import type { Store } from "../store/store.js";
import type { StoreBackend } from "../store/store-backend.js";

/*
 * The composition root's store half: which backend the configuration names, and opening it. Kept
 * apart from composition-root.ts so that the commands that only read or change stored data
 * (`sessions list`, `memories forget`, `migrate`, …) do not load the agent, MCP, metrics and HTTP
 * pieces on every run. Each backend loads only when chosen: a SQLite user never loads `pg`, a
 * PostgreSQL user never loads better-sqlite3.
 */

/** The configured database: PostgreSQL for a `postgres://` URL, else a SQLite file. */
export async function storeBackend(config: Config): Promise<StoreBackend> {
  const pricing = pricingFrom(config.models);
  if (isPostgresUrl(config.db)) {
    const { postgresBackend } = await import("../store/postgres/pg-backend.js");
    return postgresBackend(
      {
        url: config.db,
        ...(config.postgres.password !== undefined ? { password: config.postgres.password } : {}),
        poolMax: config.postgres.poolMax,
        statementTimeoutMs: config.postgres.statementTimeoutMs,
      },
      { pricing },
    );
  }
  const { sqliteBackend } = await import("../store/sqlite/sqlite-backend.js");
  return sqliteBackend(config.db, {
    pricing,
    ...(config.testMaxPages !== undefined ? { maxPageCount: config.testMaxPages } : {}),
  });
}

/** Opens the configured store, migrating it. */
export async function openConfiguredStore(config: Config): Promise<Store> {
  return (await storeBackend(config)).open();
}

/** A store with the schema and no rows: every query of a read-only command answers "nothing" as usual. */
export async function openEmptyStore(): Promise<Store> {
  const { sqliteBackend } = await import("../store/sqlite/sqlite-backend.js");
  return sqliteBackend(":memory:").open();
}
