import type { WorkScope } from "../types.js";

/** `channel IN (…)`, narrowed to one conversation when the scope names one. */
export function scopeSql(scope: WorkScope, alias: string): string {
  const channels = `${alias}.channel IN (${scope.channels.map(() => "?").join(", ")})`;
  return scope.conversationKey === undefined ? channels : `${channels} AND ${alias}.conversation_key = ?`;
}

export function scopeParams(scope: WorkScope): string[] {
  return scope.conversationKey === undefined ? [...scope.channels] : [...scope.channels, scope.conversationKey];
}
