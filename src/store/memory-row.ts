import type { Memory, MemoryType } from "./memory-repository.js";

/** A memory as both backends store it (times in epoch ms), and its domain value. */
export interface MemoryRow {
  id: string;
  type: string;
  scope: string;
  user_id: string | null;
  expert: string | null;
  content: string;
  source_session_id: string | null;
  source_message_id: number | null;
  created_at: number;
  updated_at: number;
}

export function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    type: row.type as MemoryType,
    scope: row.scope,
    userId: row.user_id,
    expert: row.expert,
    content: row.content,
    sourceSessionId: row.source_session_id,
    sourceMessageId: row.source_message_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
