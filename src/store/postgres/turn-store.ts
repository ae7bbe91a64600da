import type { Clock } from "../../ids.js";
import { type RunningTurnDbRow, toRunningTurn } from "../running-turn-row.js";
import type { TurnRepository } from "../store.js";
import type { NewTranscriptEntry, RunningTurn, RunningTurnInfo, Turn, TurnEnding, TurnState } from "../types.js";
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
   * Opens a turn only when the session has none running, leased to `owner` (renewed like the
   * gateway's, see {@link PgLeaseStore.renewLeases}); otherwise says which turn runs and who holds
   * it. A running turn without messages to answer whose lease ran out or was never taken (a CLI
   * turn whose process died) is ended as interrupted first: nobody else would ever end it. The
   * session's row is locked first, as claims lock it, so a claim and a CLI turn never both start.
   */
  startLeased(input: {
    sessionId: string;
    expert: string;
    model: string;
    entries: NewTranscriptEntry[];
    owner: string;
    leaseMs: number;
  }): Promise<{ turn: Turn } | { busy: RunningTurn }> {
    return this.#db.transaction(async (sql): Promise<{ turn: Turn } | { busy: RunningTurn }> => {
      await lockSession(sql, input.sessionId);
      // Read after the lock, as claims do: turns of one session get times in the order they held it.
      const now = this.#now();
      await sql.run(
        `UPDATE turns SET state = 'interrupted', error = 'its process ended before the turn did',
           finished_at = $1, lease_owner = NULL, lease_until = NULL
         WHERE session_id = $2 AND state = 'running' AND (lease_until IS NULL OR lease_until < $1)
           AND NOT EXISTS (SELECT 1 FROM inbound i WHERE i.turn_id = turns.id)`,
        [at(now), input.sessionId],
      );
      const running = await sql.one<{ id: number; lease_owner: string | null }>(
        "SELECT id, lease_owner FROM turns WHERE session_id = $1 AND state = 'running' ORDER BY id LIMIT 1",
        [input.sessionId],
      );
      if (running) return { busy: { turnId: running.id, owner: running.lease_owner } };
      const row = await sql.one<TurnDbRow>(
        `INSERT INTO turns (session_id, expert, model, lease_owner, lease_until, started_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [input.sessionId, input.expert, input.model, input.owner, at(now + input.leaseMs), at(now)],
      );
      if (!row) throw new Error("no turn row was written");
      const turn = toTurn(row);
      await appendEntries(
        sql,
        now,
        input.sessionId,
        input.entries.map((entry) => ({ ...entry, turnId: turn.id })),
      );
      return { turn };
    });
  }

  /**
   * Ends a running turn with what it adds, in one transaction; a turn already ended is left alone
   * (false), so a late writer cannot answer twice. The session's row is locked first, as claims
   * and accepts of the session lock it.
   */
  finish(turnId: number, state: Exclude<TurnState, "running">, ending: TurnEnding = {}): Promise<boolean> {
    return this.#db.transaction(async (sql) => {
      const owner = await sql.one<{ session_id: string }>("SELECT session_id FROM turns WHERE id = $1", [turnId]);
      if (!owner) return false;
      await lockSession(sql, owner.session_id);
      // Read under the lock: the next turn of this session, claimed once it is released, starts later.
      const now = this.#now();
      const ended = await sql.run(
        `UPDATE turns SET state = $1, error = $2, finished_at = $3, lease_owner = NULL, lease_until = NULL,
           preview_message_id = NULL, preview_text = NULL, stream_message_id = NULL
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

  async running(limit: number): Promise<RunningTurnInfo[]> {
    const rows = await this.#db.rows<RunningTurnDbRow>(
      `SELECT id, session_id, expert, model, started_at, lease_owner FROM turns
       WHERE state = 'running' ORDER BY started_at, id LIMIT $1`,
      [limit],
    );
    return rows.map(toRunningTurn);
  }
}
