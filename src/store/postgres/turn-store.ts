import type { Clock } from "../../ids.js";
import type { TurnRepository } from "../store.js";
import type { NewTranscriptEntry, Turn, TurnEnding, TurnState } from "../types.js";
import type { Pricing } from "../usage-repository.js";
import { insertOutbox } from "./outbox-store.js";
import { at, type PgDatabase } from "./pg-database.js";
import { type TurnDbRow, toTurn } from "./pg-rows.js";
import { lockSession } from "./pg-sessions.js";
import { appendEntries } from "./transcript-store.js";
import { recordUsage } from "./usage-store.js";

export class PgTurnStore implements TurnRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;
  readonly #price: Pricing;

  constructor(db: PgDatabase, now: Clock, price: Pricing) {
    this.#db = db;
    this.#now = now;
    this.#price = price;
  }

  start(input: { sessionId: string; expert: string; model: string; entries: NewTranscriptEntry[] }): Promise<Turn> {
    return this.#db.transaction(async (sql) => {
      const now = this.#now();
      const row = await sql.one<TurnDbRow>(
        "INSERT INTO turns (session_id, expert, model, started_at) VALUES ($1, $2, $3, $4) RETURNING *",
        [input.sessionId, input.expert, input.model, at(now)],
      );
      if (!row) throw new Error("no turn row was written");
      const turn = toTurn(row);
      await appendEntries(
        sql,
        now,
        input.sessionId,
        input.entries.map((entry) => ({ ...entry, turnId: turn.id })),
      );
      return turn;
    });
  }

  /**
   * Ends a running turn with what it adds, in one transaction; a turn already ended is left alone
   * (false), so a late writer cannot answer twice. The session's row is locked first, as claims
   * and accepts of the session lock it.
   */
  finish(turnId: number, state: Exclude<TurnState, "running">, ending: TurnEnding = {}): Promise<boolean> {
    const now = this.#now();
    return this.#db.transaction(async (sql) => {
      const owner = await sql.one<{ session_id: string }>("SELECT session_id FROM turns WHERE id = $1", [turnId]);
      if (!owner) return false;
      await lockSession(sql, owner.session_id);
      const ended = await sql.run(
        `UPDATE turns SET state = $1, error = $2, finished_at = $3, lease_owner = NULL, lease_until = NULL,
           preview_message_id = NULL, preview_text = NULL
         WHERE id = $4 AND state = 'running'`,
        [state, ending.error ?? null, at(now), turnId],
      );
      if (ended === 0) return false;
      if (ending.entries && ending.entries.length > 0) {
        await appendEntries(
          sql,
          now,
          owner.session_id,
          ending.entries.map((entry) => ({ ...entry, turnId })),
        );
      }
      if (ending.usage) await recordUsage(sql, now, this.#price, ending.usage);
      if (ending.answer) await insertOutbox(sql, now, { ...ending.answer, turnId });
      const inbound = ending.inbound ?? (state === "completed" ? "answered" : ending.answer ? "failed" : undefined);
      if (inbound === "queued") {
        await sql.run("UPDATE inbound SET state = 'queued', turn_id = NULL WHERE turn_id = $1 AND state = 'running'", [
          turnId,
        ]);
      } else if (inbound) {
        await sql.run("UPDATE inbound SET state = $1, answered_at = $2 WHERE turn_id = $3 AND state = 'running'", [
          inbound,
          at(now),
          turnId,
        ]);
      }
      return true;
    });
  }

  async get(turnId: number): Promise<Turn | undefined> {
    const row = await this.#db.one<TurnDbRow>("SELECT * FROM turns WHERE id = $1", [turnId]);
    return row ? toTurn(row) : undefined;
  }
}
