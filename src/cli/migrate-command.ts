import { loadConfig } from "../config/load-config.js";
import { storeBackend } from "./configured-store.js";

/** `gateway migrate`: applies pending migrations and says what it did. */
export async function migrateCommand(): Promise<number> {
  const config = loadConfig();
  const backend = await storeBackend(config);
  const report = await backend.migrate();
  if (report.applied.length === 0)
    process.stdout.write(`${backend.location} is up to date (schema version ${report.version})\n`);
  else
    process.stdout.write(
      `${backend.location}: applied ${report.applied.join(", ")}; schema version ${report.version}\n`,
    );
  return 0;
}
