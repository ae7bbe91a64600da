import { GatewayError } from "../errors.js";
import type { RouteHandler } from "../http/http-server.js";
import type { Logger } from "../logger.js";

/** A file that came with a message, already within the channel's limits. */
export interface Attachment {
  kind: "image" | "text" | "unsupported";
  name: string;
  mimeType: string;
  size: number;
  /** Base64 for images, UTF-8 text for text files, absent for unsupported ones. */
  data?: string;
}

/** A platform message turned into the one shape the core understands. */
export interface InboundMessage {
  channel: string;
  /** Where people talk: `telegram:12345`, `slack:T1:C1:1700000000.0001`, `cli:s_abc123`. */
  conversationKey: string;
  sender: { id: string; name?: string };
  text: string;
  attachments?: Attachment[];
  /** The bot was mentioned, replied to, commanded, or it is a direct chat. */
  addressed: boolean;
  platformMessageId?: string;
  /** The platform message this one replies to; a reply to the bot routes to that message's session. */
  replyToMessageId?: string;
  /**
   * Unique keys of this delivery (a Slack `event_id`, a Telegram `update_id`,
   * `channel+ts`): any one already seen makes the message a duplicate.
   */
  deliveryKeys: string[];
  /**
   * The chat the message was written in, for allow lists, bindings and
   * visibility: a Telegram chat id, a Slack channel (with its team).
   */
  chat?: { id: string; teamId?: string; group: boolean };
  /** A command the channel already parsed (a Slack slash command); otherwise the core parses `text`. */
  command?: ParsedCommand;
  /** Return a command's reply to the adapter (ephemeral answers) instead of sending it as a message. */
  inlineReply?: boolean;
  /** The message is a press of one of our buttons, made for the principal `for` (see {@link CommandButton}). */
  pressed?: { for?: string };
  /**
   * What the channel fetches only after the message is stored and the platform acknowledged, inside
   * the turn that answers it (the channel's own JSON: file references, a name to look up); see
   * {@link ChannelAdapter.complete}.
   */
  deferred?: string;
}

/** A stored message as its turn will carry it, before or after its channel fetched what it deferred. */
export interface DeferredParts {
  text: string;
  senderName: string | null;
  attachments: Attachment[];
}

/** A chat command, whatever the channel's syntax (`/new`, `!new`, `/gateway new`). */
export interface ParsedCommand {
  name: string;
  args: string;
}

/** What accepting a message did. Thrown errors mean "not stored": answer the platform 503. */
export type AcceptResult =
  | { status: "accepted"; inboundId: number; sessionId: string; queued: boolean }
  | { status: "duplicate" }
  | { status: "ignored"; reason: string }
  /** Not admitted: the sender was told (once) how to get admitted. */
  | { status: "refused" }
  /** A chat command, handled at once; `reply` is set when the adapter asked for it inline. */
  | { status: "command"; reply?: string }
  /** A button pressed by someone it was not made for: nothing ran; `reply`, for the presser alone, says why. */
  | { status: "forbidden"; reply: string };

/** Formatting an adapter renders model Markdown into. */
export type FormatDialect = "markdown" | "telegram-html" | "slack-mrkdwn" | "plain";

export interface ChannelLimits {
  /** The longest message the platform takes, in characters after formatting. */
  maxMessageLength: number;
  /** The least time between two edits of one message (streaming previews). */
  editIntervalMs: number;
  /** The least time between two messages to one conversation. */
  sendIntervalMs: number;
  format: FormatDialect;
  /** Show the answer while it streams by editing one message. */
  previews: boolean;
  /** How commands are written in text: `/new` (Telegram, terminal) or `!new` (Slack threads). */
  commandPrefix: "/" | "!";
  /** `allow-list`: only admitted people get answers; `open`: the channel is trusted (terminal, loopback). */
  access: "allow-list" | "open";
  /** The largest file `sendFile` may upload; absent where the channel takes no files. */
  maxFileBytes?: number;
}

export interface OutboundMessage {
  conversationKey: string;
  /** Model Markdown; the adapter renders it, falling back to plain text rather than failing. */
  text: string;
  replyToMessageId?: string;
  /** The outbox row this part belongs to, for platforms that can carry it (Slack metadata). */
  outboxId?: number;
  /** Choices shown under the message where the platform has buttons (Telegram inline keyboards). */
  buttons?: CommandButton[];
}

/** A file for the conversation (a report, an image a tool made), already read from the files folder. */
export interface OutboundFile {
  conversationKey: string;
  name: string;
  mimeType: string;
  bytes: Buffer;
  /** Plain text shown with the file, where the platform has captions. */
  caption?: string;
  replyToMessageId?: string;
}

/** A button that runs a chat command for whoever taps it, e.g. `{ label: "Resume s_ab12", command: "resume s_ab12" }`. */
export interface CommandButton {
  label: string;
  /** The command without its prefix: a name and its arguments. */
  command: string;
  /** The principal who asked for the reply it sits under: only they (or an admin) may press it. */
  for?: string;
  /** What to type for it where buttons are typed answers (the terminal's `y` / `n`); else its number. */
  key?: string;
}

/** A reply streamed natively (a terminal; later Slack's chat.startStream) instead of shown by edits. */
export interface ChannelStream {
  /** What it showed is gone once it finishes (Telegram drafts): a stopped answer is then sent as a message. */
  readonly ephemeral?: boolean;
  /** Best effort: the adapter paces and may drop what the platform will not take. */
  append(delta: string): void;
  /**
   * The turn ended; returns the message id when the stream itself holds the final answer. That
   * stream is left open: the outbox stops it with {@link ChannelAdapter.endStream} once the answer
   * is recorded, so a crash in between leaves it to be marked "(interrupted)" rather than shown as a
   * finished answer beside the next one. Any other stream is stopped here. `interrupted`: this
   * process is shutting down and the turn is answered again later, so what the stream showed is
   * marked "(interrupted)".
   */
  finish(outcome: "completed" | "cancelled" | "failed" | "interrupted"): Promise<string | undefined>;
}

/** What the core learns from a native stream while it runs. */
export interface StreamHooks {
  /** The stream's message exists on the platform; stored, so a crash leaves no stream unstopped. */
  opened(messageId: string): Promise<void>;
}

/** Platform failures, translated by adapters so the core decides what to retry. */
export class ChannelError extends Error {
  readonly code: "RATE_LIMITED" | "TRANSIENT" | "PERMANENT";
  readonly retryAfterMs: number | undefined;

  constructor(code: ChannelError["code"], message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "ChannelError";
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export interface ChannelStatus {
  state: "starting" | "running" | "stopped" | "failed";
  detail?: string;
}

/** The core could not store an accepted message (the database refused it): the platform should redeliver (answer 503). */
export class AcceptError extends GatewayError {
  constructor(message: string, cause?: unknown) {
    super("ACCEPT_FAILED", message, { cause });
  }
}

/** The chat commands, as a platform's command menu lists them: usage (`name args`) and what it does. */
export type CommandMenu = readonly (readonly [usage: string, description: string])[];

/** How the Expert of a conversation greets someone opening it (Slack's assistant threads). */
export interface Welcome {
  expert: string;
  greeting: string;
  suggestedPrompts: { title: string; message: string }[];
}

/** What the core offers an adapter. */
export interface ChannelHost {
  /** Commits the message (and its session on first contact); only then may the adapter acknowledge. */
  accept(message: InboundMessage): Promise<AcceptResult>;
  /** Mounts a route on the gateway's one HTTP server. */
  route(method: string, path: string, handler: RouteHandler, options?: { bodyLimit?: number }): void;
  /**
   * The platform gave a conversation a new address (a Telegram group upgraded to a supergroup):
   * its sessions, queue and pending replies follow it.
   */
  moveConversation(from: string, to: string): Promise<void>;
  /** Who answers a conversation and how it introduces itself (its session's Expert, else the chat's binding). */
  welcome(conversationKey: string, chatId: string | undefined): Promise<Welcome>;
  /** Whether a conversation has a session (the bot takes part in it): read from the store, no platform call. */
  knows(conversationKey: string): Promise<boolean>;
  /** The chat commands, for platforms with a command menu (Telegram's `/` list). */
  commands: CommandMenu;
  logger: Logger;
  /**
   * Runs work that only one gateway of all sharing the database may do (Telegram's long poll: two
   * pollers of one bot get 409): `start` when this gateway takes the role, `stop` when it loses it;
   * a gateway that stops gives it up, and another takes it over within seconds. Without this
   * member (a host alone on its database) the adapter just starts the work.
   */
  lead?(role: string, work: RoleWork): RoleHandle;
  /**
   * True the first time any gateway on this database sees `key`, false after: for what an adapter
   * does once per platform event outside {@link accept} (a greeting), so that the event delivered
   * again, to another instance or after a restart, does not do it twice. The key is kept as a
   * delivery key, in the database. Without this member (a host alone, in memory) every call is a first.
   */
  firstTime?(key: string): Promise<boolean>;
}

/** Work under a role (see {@link ChannelHost.lead}). */
export interface RoleWork {
  start(): void;
  stop(): Promise<void>;
}

/** A role this gateway takes when it can. */
export interface RoleHandle {
  /** Whether this gateway holds the role now. */
  readonly leading: boolean;
  /** Stops the work (when running) and gives the role up. */
  release(): Promise<void>;
}

/** A chat platform, seen from the core. Adapters implement it; the core never imports one. */
export interface ChannelAdapter {
  readonly name: string;
  readonly limits: ChannelLimits;
  start(host: ChannelHost): Promise<void>;
  stop(): Promise<void>;
  status(): ChannelStatus;
  /** Sends one message of at most `limits.maxMessageLength`; returns its platform id. */
  send(message: OutboundMessage): Promise<{ messageId: string }>;
  edit(conversationKey: string, messageId: string, text: string): Promise<void>;
  /** Uploads a file of at most `limits.maxFileBytes`; returns the platform's id of the message or file. */
  sendFile?(file: OutboundFile): Promise<{ messageId: string }>;
  delete(conversationKey: string, messageId: string): Promise<void>;
  /**
   * Streams a turn's answer natively. Undefined (or no method): this conversation cannot stream
   * natively, and the core shows edited previews instead when `limits.previews` is on. `recipient`:
   * the platform id of the person the turn answers (the sender of its last message), which Slack
   * needs to stream into a channel thread; it comes from the stored message, so every gateway
   * process can stream any turn, whichever received the message.
   */
  openStream?(conversationKey: string, hooks?: StreamHooks, recipient?: string): ChannelStream | undefined;
  /**
   * Stops a native stream: one whose answer is recorded (no label), or one a dead process left open,
   * ending what it showed with `(label)`. A stream that is already stopped is fine.
   */
  endStream?(conversationKey: string, messageId: string, label?: string): Promise<void>;
  /** The least time between two preview edits in this conversation, when it differs by conversation (groups). */
  editIntervalFor?(conversationKey: string): number;
  /** Shows that the bot is working (typing action, thread status), and which Expert is, where it can. */
  typing?(conversationKey: string, expert: string): Promise<void>;
  /** The turn is over: whatever {@link typing} shows goes away (the next turn shows it again). */
  idle?(conversationKey: string): Promise<void>;
  /** The conversation's session is named this (after its first message, or renamed), where the platform shows titles. */
  showTitle?(conversationKey: string, title: string): Promise<void>;
  /**
   * Fetches what a stored message deferred (downloads, the sender's name, a thread's earlier
   * messages), called by the turn that answers it, long after the platform was acknowledged. The
   * adapter keeps it within its size and time bounds and ends early on `signal`; a file it cannot
   * fetch becomes a note in the text rather than an error.
   */
  complete?(deferred: string, message: DeferredParts, signal: AbortSignal): Promise<DeferredParts>;
  /**
   * Finds what an outbox row already posted before a crash (Slack: message
   * metadata). Without it, a row found `sending` at restart is sent again.
   */
  findSent?(conversationKey: string, outboxId: number): Promise<string[] | undefined>;
  /**
   * Where replies to `messageId`, posted at the top level of `conversationKey`
   * (a trigger's destination), arrive: Slack `slack:T:C` + ts → `slack:T:C:<ts>`,
   * the thread the message starts. Absent or undefined: in the same
   * conversation, routed to the session by `replyToMessageId` (Telegram).
   */
  threadKey?(conversationKey: string, messageId: string): string | undefined;
}

/**
 * Who is in a conversation: `private` (a Telegram private chat, a Slack DM or
 * assistant thread, the CLI) has one member, its owner; `shared` (a group, a
 * channel thread, a forum topic) has everyone who can post there.
 */
export type Audience = "private" | "shared";

/**
 * Where a conversation is: its audience and its room, the unit of membership
 * (a Telegram chat, whatever its topic; a Slack channel, whatever its thread).
 */
export interface Place {
  audience: Audience;
  room: string;
  /** The rooms' whole audience (a Slack workspace, the bot's Telegram): whom a session marked shared reaches. */
  workspace: string;
}

/** The place of a conversation key; each channel knows its own keys (see the composition root). */
export type PlaceOf = (conversationKey: string) => Place;

/** A key no channel claims is treated as private: only its owner and admins read it. */
export const privatePlace: PlaceOf = (conversationKey) => ({
  audience: "private",
  room: conversationKey,
  workspace: conversationKey,
});
