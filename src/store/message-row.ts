import type { TranscriptEntry, TranscriptKind } from "./types.js";

/** A transcript message as both backends store it (times in epoch ms), and its domain value. */
export interface MessageRow {
  id: number;
  session_id: string;
  turn_id: number | null;
  kind: string;
  content: string;
  step: number | null;
  tool_call_id: string | null;
  tool_name: string | null;
  /** SQLite stores 0 or 1, PostgreSQL a boolean. */
  tool_ok: number | boolean | null;
  sender_id: string | null;
  sender_name: string | null;
  platform_message_id: string | null;
  expert: string | null;
  created_at: number;
  attachments: string | null;
}

export function toEntry(row: MessageRow): TranscriptEntry {
  return {
    id: row.id,
    sessionId: row.session_id,
    turnId: row.turn_id,
    kind: row.kind as TranscriptKind,
    content: row.content,
    step: row.step,
    toolCallId: row.tool_call_id,
    toolName: row.tool_name,
    toolOk: row.tool_ok === null ? null : Boolean(row.tool_ok),
    senderId: row.sender_id,
    senderName: row.sender_name,
    platformMessageId: row.platform_message_id,
    expert: row.expert,
    createdAt: row.created_at,
    attachments: row.attachments,
  };
}
