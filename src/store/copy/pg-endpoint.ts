import { at, maskUrl, PgDatabase, type PgSettings } from "../postgres/pg-database.js";
import { migratePg } from "../postgres/pg-migrator.js";
import type { CopyEndpoint, CopyWriter } from "./endpoint.js";
import { type CopiedRow, type CopiedTable, type CopiedValue, copiedTables } from "./tables.js";

/** The select list: jsonb as its text (the copy carries JSON as text). */
function selectList(table: CopiedTable): string {
  return Object.entries(table.columns)
    .map(([column, kind]) => (kind === "json" ? `${column}::text AS ${column}` : column))
    .join(", ");
}

function toPg(kind: string, value: CopiedValue): unknown {
  if (value === null) return null;
  if (kind === "time") return at(Number(value));
  if (kind === "bool") return value === true || value === 1;
  return value;
}

/** Rows per INSERT statement: well under PostgreSQL's 65535 parameters for the widest table. */
const rowsPerInsert = 500;

/** A PostgreSQL database as one side of a copy. */
export function pgEndpoint(settings: PgSettings): CopyEndpoint {
  const db = new PgDatabase({ ...settings, poolMax: 2 });
  return {
    location: maskUrl(settings.url),
    migrate: async () => {
      await migratePg(db);
    },
    count: async (table) => (await db.one<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table.name}`))?.n ?? 0,
    readAll: async (batch, each) => {
      await db.transaction(async (sql) => {
        // One snapshot for every table: a consistent copy even while a gateway writes.
        await sql.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        for (const table of copiedTables) {
          for (let offset = 0; ; offset += batch) {
            const rows = await sql.rows<CopiedRow>(
              `SELECT ${selectList(table)} FROM ${table.name} ORDER BY ${table.order.postgres} LIMIT $1 OFFSET $2`,
              [batch, offset],
            );
            if (rows.length === 0) break;
            await each(table, rows);
            if (rows.length < batch) break;
          }
        }
      });
    },
    write: async (work) => {
      await db.transaction(async (sql) => {
        const writer: CopyWriter = {
          clear: async (tables) => {
            await sql.run(`TRUNCATE ${tables.map((table) => table.name).join(", ")} CASCADE`);
          },
          insert: async (table, rows) => {
            const columns = Object.entries(table.columns);
            for (let start = 0; start < rows.length; start += rowsPerInsert) {
              const chunk = rows.slice(start, start + rowsPerInsert);
              const params: unknown[] = [];
              const values = chunk.map((row) => {
                const placeholders = columns.map(([column, kind]) => {
                  params.push(toPg(kind, row[column] ?? null));
                  return `$${params.length}`;
                });
                return `(${placeholders.join(", ")})`;
              });
              await sql.run(
                `INSERT INTO ${table.name} (${columns.map(([column]) => column).join(", ")}) VALUES ${values.join(", ")}`,
                params,
              );
            }
          },
          finish: async (tables) => {
            for (const table of tables) {
              if (!table.identity) continue;
              await sql.run(
                `SELECT setval(pg_get_serial_sequence('${table.name}', '${table.identity}'),
                   COALESCE((SELECT MAX(${table.identity}) FROM ${table.name}), 0) + 1, false)`,
              );
            }
          },
          count: async (table) => (await sql.one<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table.name}`))?.n ?? 0,
        };
        await work(writer);
      });
    },
    close: () => db.close(),
  };
}
