import type { Config } from "../config/config.js";
import { NotFoundError } from "../errors.js";
import type { Store } from "../store/store.js";
import { openEmptyStore, storeBackend } from "./configured-store.js";

/**
 * What a command that only looks at stored data does when the database does
 * not exist: `empty` answers from an empty store (a list of nothing) and says
 * on stderr where it looked; `fail` refuses, naming where it looked.
 */
export type WhenMissing = "empty" | "fail";

/**
 * Opens the configured database for a command that reads, or changes only
 * what already exists. Unlike `openConfiguredStore` it never creates one:
 * `gateway sessions list` in the wrong folder must not leave a new
 * `./data/gateway.db` behind.
 */
export async function openExistingStore(config: Config, whenMissing: WhenMissing): Promise<Store> {
  const backend = await storeBackend(config);
  if ((await backend.inspect()) !== undefined) return backend.open();
  const where = `no database at ${backend.location}: nothing is stored there yet (GATEWAY_DB or gateway.db in the YAML says where)`;
  if (whenMissing === "fail") throw new NotFoundError(where);
  process.stderr.write(`${where}\n`);
  return openEmptyStore();
}
