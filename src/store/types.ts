import type { QueueMode } from "../config/file-schema.js";

export type SessionState = "active" | "inactive" | "archived";
export type SessionOrigin = "chat" | "trigger" | "cli";
/** Set by the owner or an operator: `private` (owner and admins) or `shared` (its workspace); null: as its conversation is. */
export type SessionSharing = "private" | "shared";

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
  sharing: SessionSharing | null;
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
  /** A queue mode from the channel binding; null falls back to the Expert's and the YAML's. */
  mode?: QueueMode | null;
  /**
   * Leave the conversation's current session alone (a trigger's run posting
   * into a chat): the key reaches this session only through replies to it.
   */
  detached?: boolean;
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
  /** JSON array of the files a user message came with (see the channel's Attachment). */
  attachments: string | null;
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
  expert?: string;
  owner?: string;
  limit?: number;
}

export interface SessionSearchOptions {
  limit?: number;
  includeArchived?: boolean;
  channel?: string;
  expert?: string;
  /** Only messages written at or after / before these times (epoch ms). */
  since?: number;
  until?: number;
  /** `all` (default) needs every word; `any` ranks sessions with more of them first. */
  words?: "all" | "any";
}

export interface SearchHit {
  session: Session;
  messageId: number;
  kind: TranscriptKind;
  snippet: string;
  rank: number;
}

export type InboundState = "queued" | "running" | "answered" | "dropped" | "failed";

/** An accepted inbound message as stored. */
export interface InboundRow {
  id: number;
  sessionId: string;
  channel: string;
  conversationKey: string;
  senderId: string;
  senderName: string | null;
  text: string;
  attachments: string | null;
  platformMessageId: string | null;
  replyToMessageId: string | null;
  state: InboundState;
  turnId: number | null;
  receivedAt: number;
  /** Its transcript row once copied into a turn. */
  transcriptId: number | null;
  /** What the channel still fetches before the turn answers it (see {@link NewInbound.deferred}). */
  deferred: string | null;
}

/** What an accept stored: `notice` is set when the sender is told they are queued or over the cap. */
export type AcceptOutcome =
  | {
      status: "accepted";
      inboundId: number;
      session: Session;
      queued: boolean;
      notice: "queued" | "overflow" | null;
      dropped: boolean;
    }
  | { status: "duplicate" };

export interface NewInbound {
  channel: string;
  conversationKey: string;
  senderId: string;
  senderName: string | null;
  text: string;
  attachments: string | null;
  platformMessageId: string | null;
  replyToMessageId: string | null;
  addressed: boolean;
  deliveryKeys: string[];
  /**
   * Look-ups and downloads the channel does after the platform was acknowledged, inside the turn
   * that answers the message (the channel's own JSON, e.g. Slack file references); absent: none.
   */
  deferred?: string | null;
}

/** A stored message once its channel fetched what it deferred: what the turn (and the transcript) carries. */
export interface InboundCompletion {
  text: string;
  senderName: string | null;
  /** JSON array of attachments, as in {@link NewInbound.attachments}. */
  attachments: string | null;
}

export type OutboxKind = "answer" | "notice" | "error" | "edit";
export type OutboxState = "pending" | "sending" | "delivered" | "failed";

export interface OutboxRow {
  id: number;
  sessionId: string | null;
  turnId: number | null;
  channel: string;
  conversationKey: string;
  kind: OutboxKind;
  text: string;
  replyToMessageId: string | null;
  editMessageId: string | null;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  /** Parts already sent (platform message ids), in order. */
  sentParts: string[];
  /** Shown under the last part where the platform has buttons. */
  buttons: OutboxButton[];
  error: string | null;
  createdAt: number;
  /** Found `sending` under an expired lease: it may have gone out already. */
  recovered: boolean;
  /** A file to upload instead of text; `text` is its caption. */
  file: OutboxFile | null;
  /**
   * Its one part is a native stream that showed the answer and is still open: delivering the row
   * stops it. Stopping comes after the answer is recorded, so a crash between the two leaves an open
   * stream the next process marks "interrupted", never a finished answer shown twice.
   */
  endsStream: boolean;
}

/** A file waiting in the files folder to be uploaded by the outbox. */
export interface OutboxFile {
  /** Absolute path of the stored bytes. */
  path: string;
  name: string;
  mimeType: string;
  size: number;
}

export interface NewOutbox {
  sessionId: string | null;
  turnId?: number | null;
  channel: string;
  conversationKey: string;
  kind: OutboxKind;
  text: string;
  replyToMessageId?: string | null;
  editMessageId?: string | null;
  /**
   * Already shown by a native stream as this message, still open: stored with it as its one part,
   * and delivering the row stops the stream (see {@link OutboxRow.endsStream}).
   */
  streamedAs?: string | null;
  buttons?: OutboxButton[];
  /** Upload this stored file, with `text` as its caption. */
  file?: OutboxFile;
}

/** A button under a reply that runs a chat command (`command` without its prefix). */
export interface OutboxButton {
  label: string;
  command: string;
  /** The principal who asked for it: only they (or an admin) may press it, where the platform can tell. */
  for?: string;
  /** What to type for it where buttons are typed answers (the terminal's `y` / `n`). */
  key?: string;
}

/** A turn claimed by this process, with the inbound messages it answers. */
export interface ClaimedTurn {
  turn: Turn;
  session: Session;
  inbound: InboundRow[];
  /** True when the turn was found abandoned by a dead process and is run again. */
  resumed: boolean;
  previewMessageId: string | null;
  previewText: string | null;
  /** The native stream a dead process left open (it was never stopped). */
  streamMessageId: string | null;
}

/** What one process works on: its channels' rows, or only one conversation (a terminal chat). */
export interface WorkScope {
  channels: readonly string[];
  conversationKey?: string;
}

/** How a turn ends: what it adds to the transcript, its usage and its reply, all in one transaction. */
export interface TurnEnding {
  entries?: NewTranscriptEntry[];
  usage?: UsageEntry;
  answer?: NewOutbox;
  error?: string;
  /**
   * What becomes of the messages the turn took: answered (the default when it
   * completed), failed (refused with an error), or queued again for the next
   * turn (interrupted). Unset and not completed: left as they are.
   */
  inbound?: "answered" | "failed" | "queued";
}

/** A turn running now (in any process), for the operator console. */
export interface RunningTurnInfo {
  turnId: number;
  sessionId: string;
  expert: string;
  model: string;
  startedAt: number;
  owner: string | null;
}

/** A turn that holds a session: its id and the process that leases it (null: nobody renews it). */
export interface RunningTurn {
  turnId: number;
  owner: string | null;
}
