import { resolve } from "node:path";
import { StoreError } from "../../errors.js";
import type { CopyEndpoint } from "./endpoint.js";
import { pgEndpoint } from "./pg-endpoint.js";
import { sqliteEndpoint } from "./sqlite-endpoint.js";
import { copiedTables } from "./tables.js";

/** What a copy moved: rows per table, each count the same in source and target. */
export interface CopyReport {
  from: string;
  to: string;
  tables: { table: string; rows: number }[];
}

const isPostgres = (target: string) => /^postgres(ql)?:\/\//i.test(target);

/** A `postgres://` URL or a SQLite path (resolved from `cwd`) as a copy endpoint. */
export function copyEndpoint(target: string, options: { cwd?: string; password?: string } = {}): CopyEndpoint {
  if (isPostgres(target)) {
    return pgEndpoint({ url: target, ...(options.password !== undefined ? { password: options.password } : {}) });
  }
  return sqliteEndpoint(resolve(options.cwd ?? process.cwd(), target));
}

/**
 * Copies everything from one database to another (either backend, either way) in one write
 * transaction on the target, then verifies each table's row count against the source. Both
 * sides are migrated to the newest schema first. A target that holds any row is refused unless
 * `force`, which empties it (inside the same transaction) first.
 */
export async function copyDatabase(
  from: CopyEndpoint,
  to: CopyEndpoint,
  options: { force?: boolean; batch?: number } = {},
): Promise<CopyReport> {
  if (from.location === to.location) {
    throw new StoreError("STORE_COPY", `--from and --to are the same database (${from.location})`);
  }
  await from.migrate();
  await to.migrate();
  const copied = new Map<string, number>();
  await to.write(async (writer) => {
    const occupied: string[] = [];
    for (const table of copiedTables) {
      const rows = await writer.count(table);
      if (rows > 0) occupied.push(`${table.name} (${rows})`);
    }
    if (occupied.length > 0) {
      if (!options.force) {
        throw new StoreError(
          "STORE_COPY_TARGET_NOT_EMPTY",
          `${to.location} is not empty: ${occupied.join(", ")}; pass --force to replace its contents`,
        );
      }
      await writer.clear(copiedTables);
    }
    await from.readAll(options.batch ?? 1000, async (table, rows) => {
      await writer.insert(table, rows);
      copied.set(table.name, (copied.get(table.name) ?? 0) + rows.length);
    });
    await writer.finish(copiedTables);
    for (const table of copiedTables) {
      const written = await writer.count(table);
      const read = copied.get(table.name) ?? 0;
      if (written !== read) {
        throw new StoreError(
          "STORE_COPY_MISMATCH",
          `${table.name}: read ${read} rows from ${from.location} but ${to.location} holds ${written}; nothing was copied`,
        );
      }
    }
  });
  const tables = [];
  for (const table of copiedTables) {
    const source = await from.count(table);
    const target = await to.count(table);
    if (source !== target) {
      throw new StoreError(
        "STORE_COPY_MISMATCH",
        `${table.name}: ${from.location} has ${source} rows, ${to.location} has ${target} (the source changed during the copy?)`,
      );
    }
    tables.push({ table: table.name, rows: target });
  }
  return { from: from.location, to: to.location, tables };
}
