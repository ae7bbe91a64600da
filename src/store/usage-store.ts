import type { Clock } from "../ids.js";
import type { Db } from "./database.js";
import type { UsageRepository } from "./store.js";
import type { UsageEntry, UsageTotals } from "./types.js";

export class SqliteUsageStore implements UsageRepository {
  readonly #insert;
  readonly #totals;
  readonly #now: Clock;

  constructor(db: Db, now: Clock) {
    this.#now = now;
    this.#insert = db.prepare(
      `INSERT INTO usage (session_id, turn_id, expert, model, user_id, trigger_name, prompt_tokens, completion_tokens,
         estimated, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#totals = db.prepare<[string], { prompt: number | null; completion: number | null; estimated: number | null }>(
      `SELECT SUM(prompt_tokens) AS prompt, SUM(completion_tokens) AS completion, MAX(estimated) AS estimated
       FROM usage WHERE session_id = ?`,
    );
  }

  recordSync(entry: UsageEntry): void {
    this.#insert.run(
      entry.sessionId,
      entry.turnId,
      entry.expert,
      entry.model,
      entry.userId ?? null,
      entry.triggerName ?? null,
      entry.promptTokens,
      entry.completionTokens,
      entry.estimated ? 1 : 0,
      this.#now(),
    );
  }

  async record(entry: UsageEntry): Promise<void> {
    this.recordSync(entry);
  }

  async totalsForSession(sessionId: string): Promise<UsageTotals> {
    const row = this.#totals.get(sessionId);
    return {
      promptTokens: row?.prompt ?? 0,
      completionTokens: row?.completion ?? 0,
      estimated: (row?.estimated ?? 0) === 1,
    };
  }
}
