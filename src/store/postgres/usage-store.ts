import type { Clock } from "../../ids.js";
import type { UsageEntry, UsageTotals } from "../types.js";
import type { Pricing, Spender, UsageGrouping, UsageRepository, UsageSum } from "../usage-repository.js";
import { at, type PgDatabase, type Sql } from "./pg-database.js";

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

/** Records a ledger row (priced now) inside the caller's transaction. */
export async function recordUsage(sql: Sql, now: number, price: Pricing, entry: UsageEntry): Promise<void> {
  await sql.run(
    `INSERT INTO usage (session_id, turn_id, expert, model, user_id, trigger_name, prompt_tokens, completion_tokens,
       estimated, cost_usd, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      entry.sessionId,
      entry.turnId,
      entry.expert,
      entry.model,
      entry.userId ?? null,
      entry.triggerName ?? null,
      entry.promptTokens,
      entry.completionTokens,
      entry.estimated,
      price(entry.model, entry.promptTokens, entry.completionTokens) ?? null,
      at(now),
    ],
  );
}

export class PgUsageStore implements UsageRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;
  readonly price: Pricing;

  constructor(db: PgDatabase, now: Clock, price: Pricing = () => undefined) {
    this.#db = db;
    this.#now = now;
    this.price = price;
  }

  record(entry: UsageEntry): Promise<void> {
    return recordUsage(this.#db, this.#now(), this.price, entry);
  }

  async totalsForSession(sessionId: string): Promise<UsageTotals> {
    const row = await this.#db.one<{ prompt: number | null; completion: number | null; estimated: boolean | null }>(
      `SELECT SUM(prompt_tokens)::bigint AS prompt, SUM(completion_tokens)::bigint AS completion,
         bool_or(estimated) AS estimated
       FROM usage WHERE session_id = $1`,
      [sessionId],
    );
    return {
      promptTokens: row?.prompt ?? 0,
      completionTokens: row?.completion ?? 0,
      estimated: row?.estimated ?? false,
    };
  }

  async sums(by: UsageGrouping, filter: { since?: number; sessionId?: string } = {}): Promise<UsageSum[]> {
    const rows = await this.#db.rows<{
      key: string | null;
      turns: number;
      calls: number;
      prompt: number;
      completion: number;
      cost: number | null;
      unpriced: number;
      estimated: boolean;
    }>(
      `SELECT ${groupKey[by]} AS key, COUNT(DISTINCT u.turn_id) AS turns, COUNT(*) AS calls,
         SUM(u.prompt_tokens)::bigint AS prompt, SUM(u.completion_tokens)::bigint AS completion,
         SUM(u.cost_usd) AS cost, COUNT(*) FILTER (WHERE u.cost_usd IS NULL) AS unpriced,
         bool_or(u.estimated) AS estimated
       FROM usage u LEFT JOIN sessions s ON s.id = u.session_id
       WHERE u.created_at >= $1 AND ($2::text IS NULL OR u.session_id = $2)
         ${by === "trigger" ? `AND ${groupKey.trigger} IS NOT NULL` : ""}
       GROUP BY 1 ORDER BY cost DESC NULLS LAST, SUM(u.prompt_tokens) + SUM(u.completion_tokens) DESC`,
      [at(filter.since ?? 0), filter.sessionId ?? null],
    );
    return rows.map((row) => ({
      key: row.key,
      turns: row.turns,
      calls: row.calls,
      promptTokens: row.prompt,
      completionTokens: row.completion,
      costUsd: row.cost ?? 0,
      unpriced: row.unpriced,
      estimated: row.estimated,
    }));
  }

  async spent(spender: Spender, since: number): Promise<number> {
    const row =
      "userId" in spender
        ? await this.#db.one<{ cost: number | null }>(
            "SELECT SUM(cost_usd) AS cost FROM usage WHERE user_id = $1 AND created_at >= $2",
            [spender.userId, at(since)],
          )
        : await this.#db.one<{ cost: number | null }>(
            `SELECT SUM(u.cost_usd) AS cost FROM usage u LEFT JOIN sessions s ON s.id = u.session_id
             WHERE ${groupKey.trigger} = $1 AND u.created_at >= $2`,
            [spender.triggerName, at(since)],
          );
    return row?.cost ?? 0;
  }
}
