import { type Db, openDatabase } from "../sqlite/database.js";
import { migrate } from "../sqlite/migrator.js";
import type { CopyEndpoint, CopyWriter } from "./endpoint.js";
import { type CopiedRow, type CopiedTable, type CopiedValue, copiedTables } from "./tables.js";

/** SQLite keeps booleans as 0/1; everything else travels as it is stored. */
function fromSqlite(table: CopiedTable, row: Record<string, unknown>): CopiedRow {
  const out: CopiedRow = {};
  for (const [column, kind] of Object.entries(table.columns)) {
    const value = row[column] as CopiedValue | undefined;
    out[column] = value === undefined || value === null ? null : kind === "bool" ? value === 1 : value;
  }
  return out;
}

function toSqlite(value: CopiedValue): string | number | null {
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

/** A SQLite file as one side of a copy. */
export function sqliteEndpoint(path: string): CopyEndpoint {
  let db: Db | undefined;
  const open = (): Db => {
    db ??= openDatabase(path);
    return db;
  };
  const count = (handle: Db, table: CopiedTable) =>
    (handle.prepare(`SELECT COUNT(*) AS n FROM ${table.name}`).get() as { n: number }).n;
  return {
    location: path,
    migrate: async () => {
      migrate(open());
    },
    count: async (table) => count(open(), table),
    readAll: async (batch, each) => {
      const handle = open();
      // A read transaction: the snapshot stays the same while the batches are read.
      handle.exec("BEGIN");
      try {
        for (const table of copiedTables) {
          const select = handle.prepare(
            `SELECT ${Object.keys(table.columns).join(", ")} FROM ${table.name} ORDER BY ${table.order.sqlite}
             LIMIT ? OFFSET ?`,
          );
          for (let offset = 0; ; offset += batch) {
            const rows = select.all(batch, offset) as Record<string, unknown>[];
            if (rows.length === 0) break;
            await each(
              table,
              rows.map((row) => fromSqlite(table, row)),
            );
            if (rows.length < batch) break;
          }
        }
      } finally {
        handle.exec("COMMIT");
      }
    },
    write: async (work) => {
      const handle = open();
      handle.exec("BEGIN IMMEDIATE");
      const writer: CopyWriter = {
        clear: async (tables) => {
          for (const table of [...tables].reverse()) handle.prepare(`DELETE FROM ${table.name}`).run();
        },
        insert: async (table, rows) => {
          const columns = Object.keys(table.columns);
          const insert = handle.prepare(
            `INSERT INTO ${table.name} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
          );
          for (const row of rows) insert.run(...columns.map((column) => toSqlite(row[column] ?? null)));
        },
        finish: async () => undefined,
        count: async (table) => count(handle, table),
      };
      try {
        await work(writer);
        handle.exec("COMMIT");
      } catch (error) {
        if (handle.inTransaction) handle.exec("ROLLBACK");
        throw error;
      }
    },
    close: async () => {
      db?.close();
      db = undefined;
    },
  };
}
