import type { Clock } from "../../ids.js";
import type { PaceRepository } from "../pace-repository.js";
import { at, type PgDatabase } from "./pg-database.js";

/**
 * The shared send pace. A reservation is one upsert on the conversation's row: concurrent
 * reservations queue on its row lock, and each one moves the next free slot on, so no two get
 * the same slot.
 */
export class PgPaceStore implements PaceRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  async reserve(conversationKey: string, intervalMs: number): Promise<number> {
    const row = await this.#db.one<{ slot: number }>(
      `INSERT INTO chat_pace AS p (conversation_key, next_at) VALUES ($1, $2::timestamptz + $3 * interval '1 millisecond')
       ON CONFLICT (conversation_key) DO UPDATE
         SET next_at = GREATEST(p.next_at, COALESCE(p.held_until, p.next_at), $2) + $3 * interval '1 millisecond'
       RETURNING next_at - $3 * interval '1 millisecond' AS slot`,
      [conversationKey, at(this.#now()), intervalMs],
    );
    return row?.slot ?? this.#now();
  }

  async hold(conversationKey: string, until: number): Promise<void> {
    await this.#db.run(
      `INSERT INTO chat_pace AS p (conversation_key, next_at, held_until) VALUES ($1, $2, $2)
       ON CONFLICT (conversation_key) DO UPDATE SET held_until = GREATEST(p.held_until, $2)`,
      [conversationKey, at(until)],
    );
  }

  async state(conversationKey: string): Promise<{ nextAt: number; heldUntil: number }> {
    const row = await this.#db.one<{ next_at: number; held_until: number | null }>(
      "SELECT next_at, held_until FROM chat_pace WHERE conversation_key = $1",
      [conversationKey],
    );
    return { nextAt: row?.next_at ?? 0, heldUntil: row?.held_until ?? 0 };
  }

  prune(before: number): Promise<number> {
    return this.#db.run("DELETE FROM chat_pace WHERE next_at < $1 AND (held_until IS NULL OR held_until < $1)", [
      at(before),
    ]);
  }
}
