import type { UsageEntry, UsageTotals } from "./types.js";

/** Estimated dollars for a model call; undefined when the model's prices are not known. */
export type Pricing = (model: string, promptTokens: number, completionTokens: number) => number | undefined;

export const usageGroupings = ["session", "user", "expert", "trigger"] as const;
export type UsageGrouping = (typeof usageGroupings)[number];

/** One group of ledger rows: a session, a user, an Expert or a trigger. */
export interface UsageSum {
  key: string | null;
  /** Turns with usage (a compaction summary made outside a turn is a call, not a turn). */
  turns: number;
  /** Ledger rows: model call groups. */
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** Dollars, from the rows whose model had prices. */
  costUsd: number;
  /** Rows whose model had no prices, so their cost is not in `costUsd`. */
  unpriced: number;
  estimated: boolean;
}

/** Who a budget belongs to. */
export type Spender = { userId: string } | { triggerName: string };

/** The token ledger, each row priced when it is recorded. */
export interface UsageRepository {
  record(entry: UsageEntry): Promise<void>;
  totalsForSession(sessionId: string): Promise<UsageTotals>;
  /**
   * Tokens and estimated cost per session, user, Expert or trigger, costliest first. A trigger's
   * rows are those that name it, and those of the trigger sessions it owns that name none.
   */
  sums(by: UsageGrouping, filter?: { since?: number; sessionId?: string }): Promise<UsageSum[]>;
  /** Estimated dollars a user or trigger spent since a time (epoch ms). */
  spent(spender: Spender, since: number): Promise<number>;
}
