import type { QueueMode } from "../config/file-schema.js";

export type SessionState = "active" | "inactive" | "archived";
export type SessionOrigin = "chat" | "trigger" | "cli";

/** A persisted conversation with one Expert. */
export interface Session {
  id: string;
  channel: string;
  conversationKey: string;
  expert: string;
  title: string | null;
  owner: string | null;
  state: SessionState;
  origin: SessionOrigin;
  mode: QueueMode | null;
  createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
}

export interface NewSession {
  channel: string;
  /** The key, or a function of the new session's id (CLI sessions are keyed `cli:<id>`). */
  conversationKey: string | ((sessionId: string) => string);
  expert: string;
  origin: SessionOrigin;
  title?: string | null;
  owner?: string | null;
}

export type TranscriptKind = "system" | "user" | "assistant" | "tool_call" | "tool_result" | "summary";

/** One row of a session's ordered transcript. */
export interface TranscriptEntry {
  id: number;
  sessionId: string;
  turnId: number | null;
  kind: TranscriptKind;
  content: string;
  step: number | null;
  toolCallId: string | null;
  toolName: string | null;
  toolOk: boolean | null;
  senderId: string | null;
  senderName: string | null;
  platformMessageId: string | null;
  expert: string | null;
  createdAt: number;
}

export type NewTranscriptEntry = Pick<TranscriptEntry, "kind" | "content"> &
  Partial<Omit<TranscriptEntry, "id" | "sessionId" | "kind" | "content" | "createdAt">>;

export type TurnState = "running" | "completed" | "failed" | "cancelled" | "interrupted";

export interface Turn {
  id: number;
  sessionId: string;
  expert: string;
  model: string;
  state: TurnState;
  attempts: number;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface UsageEntry {
  sessionId: string | null;
  turnId: number | null;
  expert: string;
  model: string;
  userId?: string | null;
  triggerName?: string | null;
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
}

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
}

export interface SessionListFilter {
  states: SessionState[];
  channel?: string;
  conversationKey?: string;
  origin?: SessionOrigin;
  limit?: number;
}

export interface SearchHit {
  session: Session;
  messageId: number;
  kind: TranscriptKind;
  snippet: string;
  rank: number;
}
