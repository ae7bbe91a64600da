import type { Clock } from "../ids.js";
import type { Db } from "./database.js";
import type { TurnRepository } from "./store.js";
import type { SqliteTranscriptStore } from "./transcript-store.js";
import type { NewTranscriptEntry, Turn, TurnState, UsageEntry } from "./types.js";
import type { SqliteUsageStore } from "./usage-store.js";

interface TurnRow {
  id: number;
  session_id: string;
  expert: string;
  model: string;
  state: string;
  attempts: number;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

function toTurn(row: TurnRow): Turn {
  return {
    id: row.id,
    sessionId: row.session_id,
    expert: row.expert,
    model: row.model,
    state: row.state as TurnState,
    attempts: row.attempts,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export class SqliteTurnStore implements TurnRepository {
  readonly #db: Db;
  readonly #now: Clock;
  readonly #transcript: SqliteTranscriptStore;
  readonly #usage: SqliteUsageStore;
  readonly #insert;
  readonly #finish;
  readonly #get;

  constructor(db: Db, now: Clock, transcript: SqliteTranscriptStore, usage: SqliteUsageStore) {
    this.#db = db;
    this.#now = now;
    this.#transcript = transcript;
    this.#usage = usage;
    this.#insert = db.prepare<[string, string, string, number], TurnRow>(
      "INSERT INTO turns (session_id, expert, model, started_at) VALUES (?, ?, ?, ?) RETURNING *",
    );
    this.#finish = db.prepare("UPDATE turns SET state = ?, error = ?, finished_at = ? WHERE id = ?");
    this.#get = db.prepare<[number], TurnRow>("SELECT * FROM turns WHERE id = ?");
  }

  async start(input: { sessionId: string; expert: string; model: string; entries: NewTranscriptEntry[] }) {
    return this.#db
      .transaction(() => {
        const turn = toTurn(this.#insert.get(input.sessionId, input.expert, input.model, this.#now()) as TurnRow);
        this.#transcript.appendSync(
          input.sessionId,
          input.entries.map((entry) => ({ ...entry, turnId: turn.id })),
        );
        return turn;
      })
      .immediate();
  }

  async finish(
    turnId: number,
    state: Exclude<TurnState, "running">,
    details: { error?: string; usage?: UsageEntry } = {},
  ): Promise<void> {
    this.#db
      .transaction(() => {
        this.#finish.run(state, details.error ?? null, this.#now(), turnId);
        if (details.usage) this.#usage.recordSync(details.usage);
      })
      .immediate();
  }

  async get(turnId: number): Promise<Turn | undefined> {
    const row = this.#get.get(turnId);
    return row ? toTurn(row) : undefined;
  }
}
