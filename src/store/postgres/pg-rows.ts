import type {
  InboundRow,
  InboundState,
  OutboxButton,
  OutboxFile,
  OutboxKind,
  OutboxRow,
  OutboxState,
  TranscriptEntry,
  TranscriptKind,
  Turn,
  TurnState,
} from "../types.js";

/*
 * Rows as node-postgres returns them (with the pool's type parsers: times in epoch ms, ids as
 * numbers, booleans, jsonb parsed, json as text), and their domain values.
 */

export { type SessionRow, toSession } from "../session-row.js";

/** The session columns, without the internal insertion order. */
export const sessionColumns = (alias: string) =>
  ["id", "channel", "conversation_key", "expert", "title", "owner", "state", "origin", "mode", "sharing"]
    .concat(["created_at", "updated_at", "archived_at"])
    .map((column) => `${alias}.${column}`)
    .join(", ");

/** The message columns, without the search vector. */
export const messageColumns = `id, session_id, turn_id, kind, content, step, tool_call_id, tool_name, tool_ok,
  sender_id, sender_name, platform_message_id, expert, created_at, attachments, covers_through`;

export interface MessageRow {
  id: number;
  session_id: string;
  turn_id: number | null;
  kind: string;
  content: string;
  step: number | null;
  tool_call_id: string | null;
  tool_name: string | null;
  tool_ok: boolean | null;
  sender_id: string | null;
  sender_name: string | null;
  platform_message_id: string | null;
  expert: string | null;
  created_at: number;
  attachments: string | null;
  covers_through: number | null;
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
    toolOk: row.tool_ok,
    senderId: row.sender_id,
    senderName: row.sender_name,
    platformMessageId: row.platform_message_id,
    expert: row.expert,
    createdAt: row.created_at,
    attachments: row.attachments,
  };
}

export interface InboundDbRow {
  id: number;
  session_id: string;
  channel: string;
  conversation_key: string;
  sender_id: string;
  sender_name: string | null;
  text: string;
  attachments: string | null;
  platform_message_id: string | null;
  reply_to_message_id: string | null;
  state: string;
  turn_id: number | null;
  received_at: number;
  transcript_id: number | null;
  deferred: string | null;
}

export function toInbound(row: InboundDbRow): InboundRow {
  return {
    id: row.id,
    sessionId: row.session_id,
    channel: row.channel,
    conversationKey: row.conversation_key,
    senderId: row.sender_id,
    senderName: row.sender_name,
    text: row.text,
    attachments: row.attachments,
    platformMessageId: row.platform_message_id,
    replyToMessageId: row.reply_to_message_id,
    state: row.state as InboundState,
    turnId: row.turn_id,
    receivedAt: row.received_at,
    transcriptId: row.transcript_id,
    deferred: row.deferred,
  };
}

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

export interface OutboxDbRow {
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
  platform_message_ids: string[];
  buttons: OutboxButton[] | null;
  error: string | null;
  created_at: number;
  /** jsonb, parsed by the driver. */
  file: OutboxFile | null;
}

export function toOutbox(row: OutboxDbRow, recovered = false): OutboxRow {
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
    sentParts: row.platform_message_ids,
    buttons: row.buttons ?? [],
    error: row.error,
    createdAt: row.created_at,
    recovered,
    file: row.file,
  };
}
