import type { Clock } from "../../ids.js";
import type { AccessRepository } from "../access-repository.js";
import { type Db, statementCache } from "./database.js";

/** Principals admitted at run time (`gateway access allow`), read on every message. */
export class SqliteAccessStore implements AccessRepository {
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;

  constructor(db: Db, now: Clock) {
    this.#sql = statementCache(db);
    this.#now = now;
  }

  /** True when any of the principals was granted access. */
  async anyGranted(principals: readonly string[]): Promise<boolean> {
    const row = this.#sql<[string], { found: number }>(
      "SELECT EXISTS (SELECT 1 FROM access_grants WHERE principal IN (SELECT value FROM json_each(?))) AS found",
    ).get(JSON.stringify(principals));
    return row?.found === 1;
  }

  /** Grants access; false when it was granted already. */
  async grant(principal: string): Promise<boolean> {
    return (
      this.#sql("INSERT OR IGNORE INTO access_grants (principal, granted_at) VALUES (?, ?)").run(principal, this.#now())
        .changes > 0
    );
  }

  /** Revokes access; false when there was no grant. */
  async revoke(principal: string): Promise<boolean> {
    return this.#sql("DELETE FROM access_grants WHERE principal = ?").run(principal).changes > 0;
  }

  async list(): Promise<{ principal: string; grantedAt: number }[]> {
    return this.#sql<[], { principal: string; granted_at: number }>(
      "SELECT principal, granted_at FROM access_grants ORDER BY principal",
    )
      .all()
      .map((row) => ({ principal: row.principal, grantedAt: row.granted_at }));
  }
}
