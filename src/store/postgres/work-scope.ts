import type { WorkScope } from "../types.js";

/**
 * `channel = ANY(…)`, narrowed to one conversation when the scope names one, with its
 * parameters numbered from `first`.
 */
export function scopeFilter(scope: WorkScope, alias: string, first: number): { sql: string; params: unknown[] } {
  const channels = `${alias}.channel = ANY($${first}::text[])`;
  if (scope.conversationKey === undefined) return { sql: channels, params: [[...scope.channels]] };
  return {
    sql: `${channels} AND ${alias}.conversation_key = $${first + 1}`,
    params: [[...scope.channels], scope.conversationKey],
  };
}
