import type { Clock } from "../../ids.js";
import type { AccessRepository } from "../access-repository.js";
import type { SettingsRepository } from "../store.js";
import { at, type PgDatabase } from "./pg-database.js";

export class PgSettingsStore implements SettingsRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#db.one<{ value: string }>("SELECT value FROM settings WHERE key = $1", [key]))?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.#db.run(
      `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, value, at(this.#now())],
    );
  }

  async delete(key: string): Promise<void> {
    await this.#db.run("DELETE FROM settings WHERE key = $1", [key]);
  }
}

/** Principals admitted at run time (`gateway access allow`), read on every message. */
export class PgAccessStore implements AccessRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  async anyGranted(principals: readonly string[]): Promise<boolean> {
    const row = await this.#db.one<{ found: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM access_grants WHERE principal = ANY($1::text[])) AS found",
      [[...principals]],
    );
    return row?.found === true;
  }

  async grant(principal: string): Promise<boolean> {
    const added = await this.#db.run(
      "INSERT INTO access_grants (principal, granted_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
      [principal, at(this.#now())],
    );
    return added > 0;
  }

  async revoke(principal: string): Promise<boolean> {
    return (await this.#db.run("DELETE FROM access_grants WHERE principal = $1", [principal])) > 0;
  }

  async list(): Promise<{ principal: string; grantedAt: number }[]> {
    const rows = await this.#db.rows<{ principal: string; granted_at: number }>(
      "SELECT principal, granted_at FROM access_grants ORDER BY principal",
    );
    return rows.map((row) => ({ principal: row.principal, grantedAt: row.granted_at }));
  }
}
