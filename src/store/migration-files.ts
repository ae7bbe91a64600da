import { readdirSync, readFileSync } from "node:fs";

/** One forward-only migration of a backend: `NNN-name.sql`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations in `dir` (files named `NNN-name.sql`), in order; each backend has its own folder. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}-[a-z0-9-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number.parseInt(file.slice(0, 3), 10),
      name: file.replace(/\.sql$/, ""),
      sql: readFileSync(`${dir}/${file}`, "utf8"),
    }));
}
