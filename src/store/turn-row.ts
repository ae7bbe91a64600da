import type { Turn, TurnState } from "./types.js";

/** A turn as both backends store it (times in epoch ms), and its domain value. */
export interface TurnDbRow {
  id: number;
  session_id: string;
  expert: string;
  model: string;
  state: string;
  attempts: number;
  error: string | null;
  started_at: number;
  finished_at: number | null;
  preview_message_id: string | null;
  preview_text: string | null;
  stream_message_id: string | null;
}

export function toTurn(row: TurnDbRow): Turn {
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
