import { type OutboxColumns, toOutbox as outboxOf } from "../outbox-row.js";
import type { OutboxButton, OutboxFile, OutboxRow } from "../types.js";

/*
 * Rows as node-postgres returns them (with the pool's type parsers: times in epoch ms, ids as
 * numbers, booleans, jsonb parsed, json as text), and their domain values.
 */

export { type InboundDbRow, toInbound } from "../inbound-row.js";
export { type MessageRow, toEntry } from "../message-row.js";
export { type SessionRow, toSession } from "../session-row.js";
export { type TurnDbRow, toTurn } from "../turn-row.js";

/** The session columns, without the internal insertion order. */
export const sessionColumns = (alias: string) =>
  ["id", "channel", "conversation_key", "expert", "title", "owner", "state", "origin", "mode", "sharing"]
    .concat(["created_at", "updated_at", "archived_at"])
    .map((column) => `${alias}.${column}`)
    .join(", ");

/** The message columns, without the search vector. */
export const messageColumns = `id, session_id, turn_id, kind, content, step, tool_call_id, tool_name, tool_ok,
  sender_id, sender_name, platform_message_id, expert, created_at, attachments, covers_through`;

export interface OutboxDbRow extends OutboxColumns {
  platform_message_ids: string[];
  buttons: OutboxButton[] | null;
  /** jsonb, parsed by the driver. */
  file: OutboxFile | null;
}

export function toOutbox(row: OutboxDbRow, recovered = false): OutboxRow {
  return outboxOf(row, { sentParts: row.platform_message_ids, buttons: row.buttons ?? [], file: row.file }, recovered);
}
