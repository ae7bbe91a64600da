import type { OutboxButton, OutboxFile, OutboxKind, OutboxRow, OutboxState } from "./types.js";

/**
 * An outbox row's columns as both backends store them (times in epoch ms), except the JSON ones:
 * SQLite returns those as text, PostgreSQL's driver parses them (see {@link OutboxJson}).
 */
export interface OutboxColumns {
  id: number;
  session_id: string | null;
  turn_id: number | null;
  channel: string;
  conversation_key: string;
  kind: string;
  text: string;
  reply_to_message_id: string | null;
  edit_message_id: string | null;
  state: string;
  attempts: number;
  next_attempt_at: number;
  error: string | null;
  created_at: number;
  /** SQLite 0/1, PostgreSQL boolean. */
  ends_stream: number | boolean;
}

/** An outbox row's JSON columns, parsed. */
export interface OutboxJson {
  sentParts: string[];
  buttons: OutboxButton[];
  file: OutboxFile | null;
}

export function toOutbox(row: OutboxColumns, json: OutboxJson, recovered: boolean): OutboxRow {
  return {
    id: row.id,
    sessionId: row.session_id,
    turnId: row.turn_id,
    channel: row.channel,
    conversationKey: row.conversation_key,
    kind: row.kind as OutboxKind,
    text: row.text,
    replyToMessageId: row.reply_to_message_id,
    editMessageId: row.edit_message_id,
    state: row.state as OutboxState,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    sentParts: json.sentParts,
    buttons: json.buttons,
    error: row.error,
    createdAt: row.created_at,
    recovered,
    file: json.file,
    endsStream: Boolean(row.ends_stream),
  };
}
