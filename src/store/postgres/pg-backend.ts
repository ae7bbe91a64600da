import { diffSchema } from "../migration-plan.js";
import type { StoreBackend } from "../store-backend.js";
import type { Pricing } from "../usage-repository.js";
import { PgCoordination } from "./pg-coordination.js";
import { connectError, maskUrl, PgDatabase, type PgSettings } from "./pg-database.js";
import {
  appliedMigrations,
  loadPgMigrations,
  migratePg,
  pgRecordedMigrations,
  pgSchemaVersion,
} from "./pg-migrator.js";
import { openPgStore } from "./pg-store.js";
import { SEARCH_CONFIG } from "./ts-query.js";

/** What `gateway doctor` shows about a PostgreSQL database, beside the schema version. */
export interface PgServerStatus {
  serverVersion: string;
  migrations: string[];
  pool: { max: number; statementTimeoutMs: number };
  /** Whether search folds accents (migration 009 found the unaccent extension); null before that migration. */
  accentInsensitiveSearch: boolean | null;
}

/** Whether the search configuration maps words through unaccent (null: no search configuration yet). */
async function foldsAccents(db: PgDatabase): Promise<boolean | null> {
  const row = await db.one<{ configured: boolean; folds: boolean }>(
    `SELECT c.oid IS NOT NULL AS configured,
       EXISTS (SELECT 1 FROM pg_ts_config_map m JOIN pg_ts_dict d ON d.oid = m.mapdict
               WHERE m.mapcfg = c.oid AND d.dictname = 'unaccent') AS folds
     FROM (SELECT 1) AS one
     LEFT JOIN pg_ts_config c ON c.cfgname = '${SEARCH_CONFIG}' AND pg_ts_config_is_visible(c.oid)`,
  );
  return row?.configured ? row.folds : null;
}

const searchNote = (folds: boolean | null): string =>
  folds === null
    ? ""
    : folds
      ? "; search folds accents (unaccent)"
      : "; search is accent-sensitive (no unaccent extension)";

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
        accentInsensitiveSearch: await foldsAccents(db),
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
      withDb(async (db) => {
        const files = loadPgMigrations();
        const { pending, unknown } = diffSchema(files, await pgRecordedMigrations(db));
        return {
          version: await pgSchemaVersion(db),
          latest: files.at(-1)?.version ?? 0,
          pending: pending.map((migration) => migration.name),
          unknown: unknown.map((migration) => migration.name),
        };
      }),
    server,
    coordinate: () => new PgCoordination(settings),
    describe: async () => {
      const status = await server();
      const applied = status.migrations.length > 0 ? status.migrations.join(", ") : "none";
      return `PostgreSQL ${status.serverVersion}; migrations applied: ${applied}; pool of ${status.pool.max} connections, statement timeout ${status.pool.statementTimeoutMs / 1000} s${searchNote(status.accentInsensitiveSearch)}`;
    },
  };
}
