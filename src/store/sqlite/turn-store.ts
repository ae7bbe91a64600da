import type { Clock } from "../../ids.js";
import { type RunningTurnDbRow, toRunningTurn } from "../running-turn-row.js";
import type { TurnRepository } from "../store.js";
import type { NewTranscriptEntry, RunningTurn, RunningTurnInfo, Turn, TurnEnding, TurnState } from "../types.js";
import type { Db } from "./database.js";
import type { SqliteOutboxStore } from "./outbox-store.js";
import { type TurnDbRow, toTurn } from "./rows.js";
import type { SqliteTranscriptStore } from "./transcript-store.js";
import type { SqliteUsageStore } from "./usage-store.js";

export class SqliteTurnStore implements TurnRepository {
  readonly #db: Db;
  readonly #now: Clock;
  readonly #transcript: SqliteTranscriptStore;
  readonly #usage: SqliteUsageStore;
  readonly #outbox: SqliteOutboxStore;
  readonly #insert;
  readonly #finish;
  readonly #answerInbound;
  readonly #requeueInbound;
  readonly #get;

  constructor(
    db: Db,
    now: Clock,
    parts: { transcript: SqliteTranscriptStore; usage: SqliteUsageStore; outbox: SqliteOutboxStore },
  ) {
    this.#db = db;
    this.#now = now;
    this.#transcript = parts.transcript;
    this.#usage = parts.usage;
    this.#outbox = parts.outbox;
    this.#insert = db.prepare<[string, string, string, number], TurnDbRow>(
      "INSERT INTO turns (session_id, expert, model, started_at) VALUES (?, ?, ?, ?) RETURNING *",
    );
    this.#finish = db.prepare(
      `UPDATE turns SET state = ?, error = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL,
         preview_message_id = NULL, preview_text = NULL, stream_message_id = NULL
       WHERE id = ? AND state = 'running'`,
    );
    this.#answerInbound = db.prepare(
      "UPDATE inbound SET state = ?, answered_at = ? WHERE turn_id = ? AND state = 'running'",
    );
    this.#requeueInbound = db.prepare(
      "UPDATE inbound SET state = 'queued', turn_id = NULL WHERE turn_id = ? AND state = 'running'",
    );
    this.#get = db.prepare<[number], TurnDbRow>("SELECT * FROM turns WHERE id = ?");
  }

  async start(input: { sessionId: string; expert: string; model: string; entries: NewTranscriptEntry[] }) {
    return this.#db
      .transaction(() => {
        const turn = toTurn(this.#insert.get(input.sessionId, input.expert, input.model, this.#now()) as TurnDbRow);
        this.#transcript.appendSync(
          input.sessionId,
          input.entries.map((entry) => ({ ...entry, turnId: turn.id })),
        );
        return turn;
      })
      .immediate();
  }

  /**
   * Opens a turn only when the session has none running, leased to `owner`
   * (renewed like the gateway's, see {@link SqliteLeaseStore.renewLeases}); otherwise says which
   * turn runs and who holds it. A running turn without messages to answer
   * whose lease ran out or was never taken (a CLI turn whose process died) is
   * ended as interrupted first: nobody else would ever end it.
   */
  async startLeased(input: {
    sessionId: string;
    expert: string;
    model: string;
    entries: NewTranscriptEntry[];
    owner: string;
    leaseMs: number;
  }): Promise<{ turn: Turn } | { busy: RunningTurn }> {
    const now = this.#now();
    return this.#db
      .transaction((): { turn: Turn } | { busy: RunningTurn } => {
        this.#db
          .prepare(
            `UPDATE turns SET state = 'interrupted', error = 'its process ended before the turn did',
               finished_at = ?, lease_owner = NULL, lease_until = NULL
             WHERE session_id = ? AND state = 'running' AND (lease_until IS NULL OR lease_until < ?)
               AND NOT EXISTS (SELECT 1 FROM inbound i WHERE i.turn_id = turns.id)`,
          )
          .run(now, input.sessionId, now);
        const running = this.#db
          .prepare<[string], { id: number; lease_owner: string | null }>(
            "SELECT id, lease_owner FROM turns WHERE session_id = ? AND state = 'running' ORDER BY id LIMIT 1",
          )
          .get(input.sessionId);
        if (running) return { busy: { turnId: running.id, owner: running.lease_owner } };
        const row = this.#db
          .prepare<[string, string, string, string, number, number], TurnDbRow>(
            `INSERT INTO turns (session_id, expert, model, lease_owner, lease_until, started_at)
               VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
          )
          .get(input.sessionId, input.expert, input.model, input.owner, now + input.leaseMs, now) as TurnDbRow;
        const turn = toTurn(row);
        this.#transcript.appendSync(
          input.sessionId,
          input.entries.map((entry) => ({ ...entry, turnId: turn.id })),
        );
        return { turn };
      })
      .immediate();
  }

  /**
   * Ends a running turn. Its inbound messages count as answered when it
   * completed or was refused with an answer; a turn already ended is left alone
   * (returns false), so a late writer cannot answer twice.
   */
  async finish(turnId: number, state: Exclude<TurnState, "running">, ending: TurnEnding = {}): Promise<boolean> {
    const now = this.#now();
    return this.#db
      .transaction(() => {
        const turn = this.#get.get(turnId);
        if (!turn || this.#finish.run(state, ending.error ?? null, now, turnId).changes === 0) return false;
        if (ending.entries && ending.entries.length > 0) {
          this.#transcript.appendSync(
            turn.session_id,
            ending.entries.map((entry) => ({ ...entry, turnId })),
          );
        }
        if (ending.usage) this.#usage.recordSync(ending.usage);
        if (ending.answer) this.#outbox.insertSync({ ...ending.answer, turnId });
        const inbound = ending.inbound ?? (state === "completed" ? "answered" : ending.answer ? "failed" : undefined);
        if (inbound === "queued") this.#requeueInbound.run(turnId);
        else if (inbound) this.#answerInbound.run(inbound, now, turnId);
        return true;
      })
      .immediate();
  }

  async get(turnId: number): Promise<Turn | undefined> {
    const row = this.#get.get(turnId);
    return row ? toTurn(row) : undefined;
  }

  async running(limit: number): Promise<RunningTurnInfo[]> {
    const rows = this.#db
      .prepare<[number], RunningTurnDbRow>(
        `SELECT id, session_id, expert, model, started_at, lease_owner FROM turns
         WHERE state = 'running' ORDER BY started_at, id LIMIT ?`,
      )
      .all(limit);
    return rows.map(toRunningTurn);
  }
}
