import type { RunningTurnInfo } from "./types.js";

/** A running turn's columns as both backends return them (times in epoch ms). */
export interface RunningTurnDbRow {
  id: number;
  session_id: string;
  expert: string;
  model: string;
  started_at: number;
  lease_owner: string | null;
}

export function toRunningTurn(row: RunningTurnDbRow): RunningTurnInfo {
  return {
    turnId: Number(row.id),
    sessionId: row.session_id,
    expert: row.expert,
    model: row.model,
    startedAt: row.started_at,
    owner: row.lease_owner,
  };
}
