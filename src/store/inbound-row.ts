import type { InboundRow, InboundState } from "./types.js";

/** An inbound message as both backends store it (times in epoch ms), and its domain value. */
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
