/** How a column's value travels between the backends (times as epoch ms, JSON as its text). */
export type ColumnKind = "text" | "int" | "real" | "bool" | "time" | "json";

/** One table as both schemas have it at their newest version, in an order that keeps foreign keys satisfied. */
export interface CopiedTable {
  name: string;
  /** The columns both backends share (PostgreSQL's generated search vectors and insertion counters are left out). */
  columns: Readonly<Record<string, ColumnKind>>;
  /** Reading order: insertion order, so rows keep their relative order in the target. */
  order: { sqlite: string; postgres: string };
  /** An integer id the target must continue after (PostgreSQL identity columns). */
  identity?: string;
}

const byId = { sqlite: "id", postgres: "id" };
const byRowid = (postgres: string) => ({ sqlite: "rowid", postgres });

/** A value of one row, in the form both endpoints read and write. */
export type CopiedValue = string | number | boolean | null;
export type CopiedRow = Record<string, CopiedValue>;

/** Everything the gateway stores: sessions, transcripts, the queue, the outbox, memories, usage, triggers, grants, settings and the audit log. */
export const copiedTables: readonly CopiedTable[] = [
  {
    name: "sessions",
    columns: {
      id: "text",
      channel: "text",
      conversation_key: "text",
      expert: "text",
      title: "text",
      owner: "text",
      state: "text",
      origin: "text",
      mode: "text",
      sharing: "text",
      created_at: "time",
      updated_at: "time",
      archived_at: "time",
    },
    order: byRowid("seq"),
  },
  {
    name: "conversations",
    columns: { conversation_key: "text", channel: "text", session_id: "text" },
    order: { sqlite: "conversation_key", postgres: "conversation_key" },
  },
  {
    name: "turns",
    columns: {
      id: "int",
      session_id: "text",
      expert: "text",
      model: "text",
      state: "text",
      attempts: "int",
      lease_owner: "text",
      lease_until: "time",
      preview_message_id: "text",
      preview_text: "text",
      stream_message_id: "text",
      error: "text",
      cancel: "text",
      started_at: "time",
      finished_at: "time",
    },
    order: byId,
    identity: "id",
  },
  {
    name: "messages",
    columns: {
      id: "int",
      session_id: "text",
      turn_id: "int",
      kind: "text",
      content: "text",
      step: "int",
      tool_call_id: "text",
      tool_name: "text",
      tool_ok: "bool",
      sender_id: "text",
      sender_name: "text",
      platform_message_id: "text",
      expert: "text",
      created_at: "time",
      covers_through: "int",
      attachments: "json",
    },
    order: byId,
    identity: "id",
  },
  {
    name: "inbound",
    columns: {
      id: "int",
      session_id: "text",
      channel: "text",
      conversation_key: "text",
      sender_id: "text",
      sender_name: "text",
      text: "text",
      attachments: "json",
      platform_message_id: "text",
      reply_to_message_id: "text",
      addressed: "bool",
      state: "text",
      turn_id: "int",
      received_at: "time",
      answered_at: "time",
      transcript_id: "int",
      deferred: "text",
    },
    order: byId,
    identity: "id",
  },
  {
    name: "delivery_keys",
    columns: { key: "text", inbound_id: "int", created_at: "time" },
    order: { sqlite: "key", postgres: "key" },
  },
  {
    name: "outbox",
    columns: {
      id: "int",
      session_id: "text",
      turn_id: "int",
      channel: "text",
      conversation_key: "text",
      kind: "text",
      text: "text",
      reply_to_message_id: "text",
      edit_message_id: "text",
      state: "text",
      attempts: "int",
      next_attempt_at: "time",
      lease_owner: "text",
      lease_until: "time",
      platform_message_ids: "json",
      buttons: "json",
      file: "json",
      error: "text",
      created_at: "time",
      delivered_at: "time",
    },
    order: byId,
    identity: "id",
  },
  {
    name: "platform_messages",
    columns: {
      channel: "text",
      platform_message_id: "text",
      conversation_key: "text",
      session_id: "text",
      created_at: "time",
    },
    order: { sqlite: "channel, platform_message_id", postgres: "channel, platform_message_id" },
  },
  {
    name: "usage",
    columns: {
      id: "int",
      session_id: "text",
      turn_id: "int",
      expert: "text",
      model: "text",
      user_id: "text",
      trigger_name: "text",
      prompt_tokens: "int",
      completion_tokens: "int",
      estimated: "bool",
      cost_usd: "real",
      created_at: "time",
    },
    order: byId,
    identity: "id",
  },
  { name: "settings", columns: { key: "text", value: "text", updated_at: "time" }, order: byRowid("key") },
  { name: "access_grants", columns: { principal: "text", granted_at: "time" }, order: byRowid("principal") },
  { name: "access_notices", columns: { principal: "text", notified_at: "time" }, order: byRowid("principal") },
  {
    name: "memories",
    columns: {
      id: "text",
      type: "text",
      scope: "text",
      user_id: "text",
      expert: "text",
      content: "text",
      source_session_id: "text",
      source_message_id: "int",
      created_at: "time",
      updated_at: "time",
    },
    order: byRowid("created_at, id"),
  },
  {
    name: "trigger_runs",
    columns: {
      id: "text",
      trigger_name: "text",
      source: "text",
      status: "text",
      payload: "json",
      idempotency_key: "text",
      session_id: "text",
      inbound_id: "int",
      error: "text",
      fired_at: "time",
      finished_at: "time",
    },
    order: byRowid("seq"),
  },
  {
    name: "trigger_state",
    columns: { name: "text", paused: "bool", failures: "int", backoff_until: "time" },
    order: { sqlite: "name", postgres: "name" },
  },
  // The console's cookie sessions and sign-in attempts are short-lived and stay behind: operators sign in again.
  {
    name: "audit_log",
    columns: { id: "int", actor: "text", action: "text", target: "text", detail: "text", at: "time" },
    order: byId,
    identity: "id",
  },
];
