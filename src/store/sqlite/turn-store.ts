import type { Clock } from "../../ids.js";
import type { TurnRepository } from "../store.js";
import type { NewTranscriptEntry, Turn, TurnEnding, TurnState } from "../types.js";
import type { Db } from "./database.js";
import { type TurnDbRow, toTurn } from "./inbound-rows.js";
import type { SqliteOutboxStore } from "./outbox-store.js";
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
         preview_message_id = NULL, preview_text = NULL
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
}
