import type { QueueMode } from "../config/file-schema.js";
import type { Session, SessionOrigin, SessionSharing, SessionState } from "./types.js";

/** A session as both backends store it (times in epoch ms), and its domain value. */
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
  sharing: string | null;
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
    sharing: row.sharing as SessionSharing | null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}
