import { type OutboxColumns, toOutbox as outboxOf } from "../outbox-row.js";
import type { OutboxButton, OutboxFile, OutboxRow } from "../types.js";

/* Rows as better-sqlite3 returns them: the backend-neutral mappings, and the outbox's JSON as text. */

export { type InboundDbRow, toInbound } from "../inbound-row.js";
export { type MessageRow, toEntry } from "../message-row.js";
export { type SessionRow, toSession } from "../session-row.js";
export { type TurnDbRow, toTurn } from "../turn-row.js";

export interface OutboxDbRow extends OutboxColumns {
  platform_message_ids: string;
  buttons: string | null;
  lease_until: number | null;
  file: string | null;
}

export function toOutbox(row: OutboxDbRow, recovered = false): OutboxRow {
  return outboxOf(
    row,
    {
      sentParts: JSON.parse(row.platform_message_ids) as string[],
      buttons: row.buttons ? (JSON.parse(row.buttons) as OutboxButton[]) : [],
      file: row.file ? (JSON.parse(row.file) as OutboxFile) : null,
    },
    recovered,
  );
}
