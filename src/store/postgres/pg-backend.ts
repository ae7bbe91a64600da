import type { StoreBackend } from "../store-backend.js";
import type { Pricing } from "../usage-repository.js";
import { PgCoordination } from "./pg-coordination.js";
import { connectError, maskUrl, PgDatabase, type PgSettings } from "./pg-database.js";
import { appliedMigrations, loadPgMigrations, migratePg, pgSchemaVersion } from "./pg-migrator.js";
import { openPgStore } from "./pg-store.js";

/** What `gateway doctor` shows about a PostgreSQL database, beside the schema version. */
export interface PgServerStatus {
  serverVersion: string;
  migrations: string[];
  pool: { max: number; statementTimeoutMs: number };
}

/** A PostgreSQL database as a {@link StoreBackend}; its location is the URL without its password. */
export function postgresBackend(
  settings: PgSettings,
  options: { pricing?: Pricing } = {},
): StoreBackend & { server(): Promise<PgServerStatus> } {
  const location = maskUrl(settings.url);
  /** One short-lived pool of one connection for the operator's chores. */
  const withDb = async <T>(work: (db: PgDatabase) => Promise<T>): Promise<T> => {
    const db = new PgDatabase({ ...settings, poolMax: 1 });
    try {
      return await work(db);
    } catch (error) {
      if (error instanceof Error && "code" in error && String(error.code).startsWith("STORE_")) throw error;
      throw connectError(location, error);
    } finally {
      await db.close();
    }
  };
  const server = () =>
    withDb(async (db): Promise<PgServerStatus> => {
      const row = await db.one<{ version: string }>("SELECT current_setting('server_version') AS version");
      return {
        serverVersion: row?.version ?? "unknown",
        migrations: (await appliedMigrations(db)).map((migration) => migration.name),
        pool: { max: settings.poolMax ?? 10, statementTimeoutMs: settings.statementTimeoutMs ?? 30_000 },
      };
    });
  return {
    location,
    open: async () => {
      try {
        return await openPgStore(settings, options);
      } catch (error) {
        if (error instanceof Error && "code" in error && String(error.code).startsWith("STORE_")) throw error;
        throw connectError(location, error);
      }
    },
    migrate: () =>
      withDb(async (db) => {
        const report = await migratePg(db);
        return { applied: report.applied.map((migration) => migration.name), version: report.version };
      }),
    inspect: () =>
      withDb(async (db) => ({
        version: await pgSchemaVersion(db),
        latest: loadPgMigrations().at(-1)?.version ?? 0,
      })),
    server,
    coordinate: () => new PgCoordination(settings),
    describe: async () => {
      const status = await server();
      const applied = status.migrations.length > 0 ? status.migrations.join(", ") : "none";
      return `PostgreSQL ${status.serverVersion}; migrations applied: ${applied}; pool of ${status.pool.max} connections, statement timeout ${status.pool.statementTimeoutMs / 1000} s`;
    },
  };
}
