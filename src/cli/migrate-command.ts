import { loadConfig } from "../config/load-config.js";
import { openDatabase } from "../store/sqlite/database.js";
import { migrate } from "../store/sqlite/migrator.js";

/** `gateway migrate`: applies pending migrations and says what it did. */
export async function migrateCommand(): Promise<number> {
  const config = loadConfig();
  const db = openDatabase(config.db);
  try {
    const report = migrate(db);
    if (report.applied.length === 0)
      process.stdout.write(`${config.db} is up to date (schema version ${report.version})\n`);
    else {
      const names = report.applied.map((migration) => migration.name).join(", ");
      process.stdout.write(`${config.db}: applied ${names}; schema version ${report.version}\n`);
    }
    return 0;
  } finally {
    db.close();
  }
}
