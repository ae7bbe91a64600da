import type { QueueMode } from "../../config/file-schema.js";
import type { Session, SessionOrigin, SessionState, TranscriptEntry, TranscriptKind } from "../types.js";

export interface SessionRow {
  id: string;
  channel: string;
  conversation_key: string;
  expert: string;
  title: string | null;
  owner: string | null;
  state: string;
  origin: string;
  mode: string | null;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
}

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    channel: row.channel,
    conversationKey: row.conversation_key,
    expert: row.expert,
    title: row.title,
    owner: row.owner,
    state: row.state as SessionState,
    origin: row.origin as SessionOrigin,
    mode: row.mode as QueueMode | null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

export interface MessageRow {
  id: number;
  session_id: string;
  turn_id: number | null;
  kind: string;
  content: string;
  step: number | null;
  tool_call_id: string | null;
  tool_name: string | null;
  tool_ok: number | null;
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
    toolOk: row.tool_ok === null ? null : row.tool_ok === 1,
    senderId: row.sender_id,
    senderName: row.sender_name,
    platformMessageId: row.platform_message_id,
    expert: row.expert,
    createdAt: row.created_at,
    attachments: row.attachments,
  };
}
