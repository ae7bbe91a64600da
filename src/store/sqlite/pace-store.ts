import type { Clock } from "../../ids.js";
import type { PaceRepository } from "../pace-repository.js";
import type { Db } from "./database.js";

/** The shared send pace; each reservation is one upsert, and SQLite runs one writer at a time. */
export class SqlitePaceStore implements PaceRepository {
  readonly #reserve;
  readonly #hold;
  readonly #state;
  readonly #prune;
  readonly #now: Clock;

  constructor(db: Db, now: Clock) {
    this.#now = now;
    this.#reserve = db.prepare<[{ key: string; now: number; interval: number }], { slot: number }>(
      `INSERT INTO chat_pace AS p (conversation_key, next_at) VALUES (@key, @now + @interval)
       ON CONFLICT (conversation_key) DO UPDATE
         SET next_at = MAX(p.next_at, COALESCE(p.held_until, p.next_at), @now) + @interval
       RETURNING next_at - @interval AS slot`,
    );
    this.#hold = db.prepare<[{ key: string; until: number }]>(
      `INSERT INTO chat_pace AS p (conversation_key, next_at, held_until) VALUES (@key, @until, @until)
       ON CONFLICT (conversation_key) DO UPDATE SET held_until = MAX(COALESCE(p.held_until, @until), @until)`,
    );
    this.#state = db.prepare<[string], { next_at: number; held_until: number | null }>(
      "SELECT next_at, held_until FROM chat_pace WHERE conversation_key = ?",
    );
    this.#prune = db.prepare<[{ before: number }]>(
      "DELETE FROM chat_pace WHERE next_at < @before AND (held_until IS NULL OR held_until < @before)",
    );
  }

  async reserve(conversationKey: string, intervalMs: number): Promise<number> {
    return this.#reserve.get({ key: conversationKey, now: this.#now(), interval: intervalMs })?.slot ?? this.#now();
  }

  async hold(conversationKey: string, until: number): Promise<void> {
    this.#hold.run({ key: conversationKey, until });
  }

  async state(conversationKey: string): Promise<{ nextAt: number; heldUntil: number }> {
    const row = this.#state.get(conversationKey);
    return { nextAt: row?.next_at ?? 0, heldUntil: row?.held_until ?? 0 };
  }

  async prune(before: number): Promise<number> {
    return this.#prune.run({ before }).changes;
  }
}
