import type { Clock } from "../../ids.js";
import type { UsageEntry, UsageTotals } from "../types.js";
import type { Pricing, Spender, UsageGrouping, UsageRepository, UsageSum } from "../usage-repository.js";
import { type Db, statementCache } from "./database.js";

/**
 * A trigger's rows: its name when the turn recorded one, else (for trigger
 * sessions that did not) the session's owner, which the trigger sets.
 */
const groupKey: Record<UsageGrouping, string> = {
  session: "u.session_id",
  user: "u.user_id",
  expert: "u.expert",
  trigger: "COALESCE(u.trigger_name, CASE WHEN s.origin = 'trigger' THEN s.owner END)",
};

export class SqliteUsageStore implements UsageRepository {
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;
  readonly #price: Pricing;

  constructor(db: Db, now: Clock, price: Pricing = () => undefined) {
    this.#sql = statementCache(db);
    this.#now = now;
    this.#price = price;
  }

  recordSync(entry: UsageEntry): void {
    this.#sql(
      `INSERT INTO usage (session_id, turn_id, expert, model, user_id, trigger_name, prompt_tokens, completion_tokens,
         estimated, cost_usd, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      entry.sessionId,
      entry.turnId,
      entry.expert,
      entry.model,
      entry.userId ?? null,
      entry.triggerName ?? null,
      entry.promptTokens,
      entry.completionTokens,
      entry.estimated ? 1 : 0,
      this.#price(entry.model, entry.promptTokens, entry.completionTokens) ?? null,
      this.#now(),
    );
  }

  async record(entry: UsageEntry): Promise<void> {
    this.recordSync(entry);
  }

  async totalsForSession(sessionId: string): Promise<UsageTotals> {
    const row = this.#sql<[string], { prompt: number | null; completion: number | null; estimated: number | null }>(
      `SELECT SUM(prompt_tokens) AS prompt, SUM(completion_tokens) AS completion, MAX(estimated) AS estimated
       FROM usage WHERE session_id = ?`,
    ).get(sessionId);
    return {
      promptTokens: row?.prompt ?? 0,
      completionTokens: row?.completion ?? 0,
      estimated: (row?.estimated ?? 0) === 1,
    };
  }

  /** Sums of the ledger per group, costliest first; `since` in epoch ms, `sessionId` narrows to one session. */
  async sums(by: UsageGrouping, filter: { since?: number; sessionId?: string } = {}): Promise<UsageSum[]> {
    const rows = this.#sql<
      object,
      {
        key: string | null;
        turns: number;
        calls: number;
        prompt: number;
        completion: number;
        cost: number | null;
        unpriced: number;
        estimated: number;
      }
    >(
      `SELECT ${groupKey[by]} AS key, COUNT(DISTINCT u.turn_id) AS turns, COUNT(*) AS calls,
         SUM(u.prompt_tokens) AS prompt, SUM(u.completion_tokens) AS completion, SUM(u.cost_usd) AS cost,
         SUM(u.cost_usd IS NULL) AS unpriced, MAX(u.estimated) AS estimated
       FROM usage u LEFT JOIN sessions s ON s.id = u.session_id
       WHERE u.created_at >= @since AND (@sessionId IS NULL OR u.session_id = @sessionId)
         ${by === "trigger" ? `AND ${groupKey.trigger} IS NOT NULL` : ""}
       GROUP BY key ORDER BY cost DESC, prompt + completion DESC`,
    ).all({ since: filter.since ?? 0, sessionId: filter.sessionId ?? null });
    return rows.map((row) => ({
      key: row.key,
      turns: row.turns,
      calls: row.calls,
      promptTokens: row.prompt,
      completionTokens: row.completion,
      costUsd: row.cost ?? 0,
      unpriced: row.unpriced,
      estimated: row.estimated === 1,
    }));
  }

  /** Dollars a user or a trigger has spent since `since` (epoch ms). */
  async spent(spender: Spender, since: number): Promise<number> {
    const row =
      "userId" in spender
        ? this.#sql<[string, number], { cost: number | null }>(
            "SELECT SUM(cost_usd) AS cost FROM usage WHERE user_id = ? AND created_at >= ?",
          ).get(spender.userId, since)
        : this.#sql<[string, number], { cost: number | null }>(
            `SELECT SUM(u.cost_usd) AS cost FROM usage u LEFT JOIN sessions s ON s.id = u.session_id
             WHERE ${groupKey.trigger} = ? AND u.created_at >= ?`,
          ).get(spender.triggerName, since);
    return row?.cost ?? 0;
  }
}
