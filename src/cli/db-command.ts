import { loadConfig } from "../config/load-config.js";
import { UsageError } from "../errors.js";
import { copyDatabase, copyEndpoint } from "../store/copy/db-copy.js";

/**
 * `gateway db copy --from <sqlite path | postgres url> --to <…> [--force]`: moves everything to
 * another database (switching backends either way) and prints the rows per table, verified.
 * Stop the gateway first: the copy is a snapshot of the source.
 */
export async function dbCopyCommand(options: { from?: string; to?: string; force?: boolean }): Promise<number> {
  if (!options.from || !options.to) throw new UsageError("db copy needs --from and --to");
  // PGPASSWORD may come from .env as well as from the environment.
  const password = loadConfig().postgres.password;
  const from = copyEndpoint(options.from, password !== undefined ? { password } : {});
  const to = copyEndpoint(options.to, password !== undefined ? { password } : {});
  try {
    const report = await copyDatabase(from, to, { force: options.force ?? false });
    const width = Math.max(...report.tables.map((row) => row.table.length));
    for (const row of report.tables) process.stdout.write(`${row.table.padEnd(width)}  ${row.rows}\n`);
    const total = report.tables.reduce((sum, row) => sum + row.rows, 0);
    process.stdout.write(`copied ${total} rows from ${report.from} to ${report.to}; counts verified\n`);
    return 0;
  } finally {
    await from.close();
    await to.close();
  }
}
