import type { Clock } from "../../ids.js";
import type { SettingsRepository } from "../store.js";
import type { Db } from "./database.js";

export class SqliteSettingsStore implements SettingsRepository {
  readonly #get;
  readonly #set;
  readonly #delete;
  readonly #now: Clock;

  constructor(db: Db, now: Clock) {
    this.#now = now;
    this.#get = db.prepare<[string], { value: string }>("SELECT value FROM settings WHERE key = ?");
    this.#set = db.prepare(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.#delete = db.prepare("DELETE FROM settings WHERE key = ?");
  }

  async get(key: string): Promise<string | undefined> {
    return this.#get.get(key)?.value;
  }

  async set(key: string, value: string): Promise<void> {
    this.#set.run(key, value, this.#now());
  }

  async delete(key: string): Promise<void> {
    this.#delete.run(key);
  }
}
