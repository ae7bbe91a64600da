import { existsSync } from "node:fs";
import type { Config } from "../config/config.js";
import { NotFoundError } from "../errors.js";
import { openStore, type SqliteStore } from "../store/sqlite-store.js";
import { openConfiguredStore } from "./runtime.js";

/**
 * What a command that only looks at stored data does when the database file
 * does not exist: `empty` answers from an empty store (a list of nothing) and
 * says on stderr where it looked; `fail` refuses, naming the path.
 */
export type WhenMissing = "empty" | "fail";

/**
 * Opens the configured database for a command that reads, or changes only
 * what already exists. Unlike {@link openConfiguredStore} it never creates a
 * file: `gateway sessions list` in the wrong folder must not leave a new
 * `./data/gateway.db` behind.
 */
export function openExistingStore(config: Config, whenMissing: WhenMissing): SqliteStore {
  if (existsSync(config.db)) return openConfiguredStore(config);
  const where = `no database at ${config.db}: nothing is stored there yet (GATEWAY_DB or gateway.db in the YAML says where)`;
  if (whenMissing === "fail") throw new NotFoundError(where);
  process.stderr.write(`${where}\n`);
  // An in-memory store has the schema and no rows, so every query answers "nothing" as usual.
  return openStore(":memory:");
}
