import { loadConfig } from "../config/load-config.js";
import { UsageError } from "../errors.js";
import { printJson, printTable, shortDate } from "./output.js";
import { openExistingStore } from "./read-store.js";

const DAY_MS = 24 * 3600 * 1000;

/**
 * `gateway sessions prune [--dry-run]`: deletes archived sessions archived
 * longer ago than the retention; active and inactive sessions are never touched.
 */
export async function pruneSessions(options: { days?: number; dryRun?: boolean; json?: boolean }): Promise<number> {
  const config = loadConfig();
  // --days is validated by its parser (1 or more): 0 would delete every archived session at once.
  const days = options.days ?? config.retentionDays;
  if (days === undefined)
    throw new UsageError("set GATEWAY_RETENTION_DAYS (or gateway.retention_days), or pass --days");
  const store = await openExistingStore(config, "empty");
  try {
    const pruned = await store.sessions.pruneArchived(Date.now() - days * DAY_MS, { dryRun: options.dryRun ?? false });
    if (options.json) {
      printJson({ dry_run: options.dryRun ?? false, days, sessions: pruned.map((session) => session.id) });
      return 0;
    }
    const verb = options.dryRun ? "would delete" : "deleted";
    process.stdout.write(`${verb} ${pruned.length} archived session(s) archived over ${days} days ago\n`);
    if (pruned.length > 0) {
      printTable([
        ["ID", "ARCHIVED", "TITLE"],
        ...pruned.map((session) => [session.id, shortDate(session.archivedAt ?? 0), session.title ?? ""]),
      ]);
    }
    return 0;
  } finally {
    await store.close();
  }
}
