import { existsSync } from "node:fs";
import { diffSchema } from "../migration-plan.js";
import type { StoreBackend } from "../store-backend.js";
import type { Pricing } from "../usage-repository.js";
import { openDatabase } from "./database.js";
import { DatabaseWatch } from "./database-watch.js";
import { loadMigrations, migrate, recordedMigrations, schemaVersion } from "./migrator.js";
import { holdServingLock } from "./serving-lock.js";
import { openStore } from "./sqlite-store.js";

/** A SQLite database file as a {@link StoreBackend}. */
export function sqliteBackend(path: string, options: { pricing?: Pricing; maxPageCount?: number } = {}): StoreBackend {
  return {
    location: path,
    open: async () => openStore(path, options),
    migrate: async () => {
      const db = openDatabase(path);
      try {
        const report = migrate(db);
        return { applied: report.applied.map((migration) => migration.name), version: report.version };
      } finally {
        db.close();
      }
    },
    holdServing: () => (path === ":memory:" ? { release: () => undefined } : holdServingLock(path)),
    watch: (watchOptions) => new DatabaseWatch({ path, ...watchOptions }),
    inspect: async () => {
      if (!existsSync(path)) return undefined;
      const db = openDatabase(path, { readonly: true });
      try {
        const files = loadMigrations();
        const { pending, unknown } = diffSchema(files, recordedMigrations(db));
        return {
          version: schemaVersion(db),
          latest: files.at(-1)?.version ?? 0,
          pending: pending.map((migration) => migration.name),
          unknown: unknown.map((migration) => migration.name),
        };
      } finally {
        db.close();
      }
    },
  };
}
