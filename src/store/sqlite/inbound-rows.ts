import type {
  InboundRow,
  InboundState,
  OutboxButton,
  OutboxFile,
  OutboxKind,
  OutboxRow,
  OutboxState,
  Turn,
  TurnState,
} from "../types.js";

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
  platform_message_ids: string;
  buttons: string | null;
  error: string | null;
  created_at: number;
  lease_until: number | null;
  file: string | null;
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
    sentParts: JSON.parse(row.platform_message_ids) as string[],
    buttons: row.buttons ? (JSON.parse(row.buttons) as OutboxButton[]) : [],
    error: row.error,
    createdAt: row.created_at,
    recovered,
    file: row.file ? (JSON.parse(row.file) as OutboxFile) : null,
  };
}
