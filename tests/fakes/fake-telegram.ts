import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BotCommand, Chat, Message, MessageEntity, Update, User } from "grammy/types";

/** An error answer of the Bot API; `error_code` is also the HTTP status. */
export type TelegramApiError = { error_code: number; description: string; parameters?: ResponseParameters };
type ResponseParameters = { retry_after?: number; migrate_to_chat_id?: number };
/** A programmed failure: an API error, or `"disconnect"` (socket destroyed → grammY `HttpError`). */
export type TelegramFailure = TelegramApiError | "disconnect";
export type TelegramCall = { method: string; params: Record<string, unknown>; at: number };
type NonChannelMessage = Message & Update.NonChannel;
/** An update carrying a `message` (what most helpers enqueue). */
export type MessageUpdate = Update & { message: NonChannelMessage };
export type IncomingOptions = {
  chatId?: number;
  from?: User;
  replyTo?: Message;
  mediaGroupId?: string;
  caption?: string;
};
/**
 * `fileSize`: the file's size (default: bytes.length); above 20 MB getFile answers "file is too big".
 * `undeclared`: the message carries no `file_size` (as for some old files), so only getFile tells.
 */
export type FileOptions = IncomingOptions & {
  bytes?: Buffer;
  fileSize?: number;
  fileName?: string;
  mimeType?: string;
  undeclared?: boolean;
};
type Ok = { ok: true; result: unknown };

const err = (error_code: number, description: string, parameters?: ResponseParameters): TelegramApiError =>
  parameters ? { error_code, description, parameters } : { error_code, description };
/** The errors the real Bot API answers with (descriptions as Telegram words them). */
export const telegramErrors = {
  retryAfter: (s: number) => err(429, `Too Many Requests: retry after ${s}`, { retry_after: s }),
  cantParseEntities: (detail = "Can't find end of the entity starting at byte offset 0") =>
    err(400, `Bad Request: can't parse entities: ${detail}`),
  blocked: () => err(403, "Forbidden: bot was blocked by the user"),
  migrated: (toChatId: number) =>
    err(400, "Bad Request: group chat was upgraded to a supergroup chat", { migrate_to_chat_id: toChatId }),
  serverError: () => err(500, "Internal Server Error"),
  conflict: () =>
    err(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"),
  unauthorized: () => err(401, "Unauthorized"),
  methodNotFound: () => err(404, "Not Found: method not found"),
  badRequest: (what: string) => err(400, `Bad Request: ${what}`),
};
const MB20 = 20 * 1024 * 1024;
const SAME =
  "specified new message content and reply markup are exactly the same as a current content and reply markup";
const now = () => Math.floor(Date.now() / 1000);
const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : undefined);
const parsed = (v: unknown): unknown => (typeof v === "string" && /^[[{]/.test(v) ? JSON.parse(v) : v);

/** Bot-command and @mention entities, as Telegram computes them (offsets in UTF-16 units). */
export function entitiesOf(text: string): MessageEntity[] {
  const out: MessageEntity[] = [];
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  if (command) out.push({ type: "bot_command", offset: 0, length: command[0].length });
  for (const m of text.matchAll(/(?<![\w/])@[A-Za-z0-9_]{3,}/g)) {
    out.push({ type: "mention", offset: m.index, length: m[0].length });
  }
  return out;
}

/**
 * A fake Telegram Bot API on 127.0.0.1: `/bot<token>/<method>` (JSON, form or multipart bodies) and
 * file downloads at `/file/bot<token>/<file_path>`. Point grammY at it with
 * `new Bot(token, { client: { apiRoot: fake.url } })`. Every call is recorded in `calls`.
 */
export class FakeTelegram {
  readonly token: string;
  readonly bot: User & { username: string };
  /** The default human: private chat id = user id (> 32 bits). */
  readonly user: User = { id: 5_000_000_001, is_bot: false, first_name: "Ada", username: "ada" };
  /** The default group: a supergroup (`-100…`, > 32 bits). */
  readonly groupId = -1001234567890;
  /** Cap on how long a getUpdates long poll is held, whatever its `timeout`. */
  maxPollMs: number;
  /** How sendMessageDraft answers: `true`, or this error (e.g. `telegramErrors.methodNotFound()`). */
  drafts: "supported" | TelegramApiError = "supported";
  readonly calls: TelegramCall[] = [];
  /** Updates not yet confirmed (getUpdates with an offset above their id confirms them). */
  readonly pending: Update[] = [];
  /** Messages by `${chatId}:${messageId}`: incoming ones and the bot's (current text after edits). */
  readonly messages = new Map<string, Message>();
  readonly commands = new Map<string, BotCommand[]>();
  webhook: { url: string; secret_token?: string } | undefined;
  /** Answers file downloads in place of the registered bytes when set (a file larger than it claims, a redirect). */
  serveFile: ((path: string, res: ServerResponse) => void) | undefined;
  readonly #files = new Map<string, { path: string; size: number; bytes: Buffer }>();
  readonly #failures = new Map<string, { failure: TelegramFailure; times: number }[]>();
  readonly #waiters = new Set<() => void>();
  #server: Server | undefined;
  #nextUpdate = 100_000;
  #nextMessage = 1_000;
  #nextFile = 1;

  constructor(options: { token?: string; botId?: number; username?: string; maxPollMs?: number } = {}) {
    this.token = options.token ?? "123456789:TEST-fake-token";
    this.maxPollMs = options.maxPollMs ?? 1_000;
    const { botId = 7_000_000_001, username = "gateway_bot" } = options;
    this.bot = { id: botId, is_bot: true, first_name: "Gateway", username };
  }

  /** The API root for grammY (no trailing slash). */
  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (!address) throw new Error("fake Telegram server is not listening");
    return `http://127.0.0.1:${address.port}`;
  }
  /** Every offset getUpdates was called with (0 when omitted), in order. */
  get offsets(): number[] {
    return this.callsOf("getUpdates").map((p) => num(p.offset) ?? 0);
  }
  callsOf(method: string): Record<string, unknown>[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.params);
  }
  /** The last message the bot sent (to `chatId`, if given). */
  lastSent(chatId?: number): Message | undefined {
    const mine = [...this.messages.values()].filter((m) => m.from?.id === this.bot.id);
    return mine.filter((m) => chatId === undefined || m.chat.id === chatId).at(-1);
  }

  async start(port = 0): Promise<this> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => send(res, err(500, `fake: ${String(error)}`)));
    });
    await new Promise<void>((resolve) => this.#server?.listen(port, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    for (const wake of this.#waiters) wake();
    this.#server?.closeAllConnections(); // grammY keeps connections alive
    await closed;
  }

  /** Fail the next `times` calls of `method` (Infinity: until `clearFailures`). */
  failNext(method: string, failure: TelegramFailure, times = 1): this {
    this.#failures.set(method, [...(this.#failures.get(method) ?? []), { failure, times }]);
    return this;
  }
  clearFailures(): void {
    this.#failures.clear();
  }

  // ---- incoming updates -------------------------------------------------------------------------

  /** Queue any update (an update_id is assigned) and wake long polls. */
  enqueue<U extends Omit<Update, "update_id">>(update: U): U & { update_id: number } {
    const full = { update_id: this.#nextUpdate++, ...update };
    this.pending.push(full);
    for (const wake of this.#waiters) wake();
    return full;
  }
  privateText(text: string, o: IncomingOptions = {}): MessageUpdate {
    return this.#message({ text, ...textEntities(text) }, o, o.chatId ?? (o.from ?? this.user).id);
  }
  /** A group message; `/cmd@bot` and `@mentions` get entities; `replyTo: fake.lastSent(chat)` for a reply to the bot. */
  groupText(text: string, o: IncomingOptions = {}): MessageUpdate {
    return this.#message({ text, ...textEntities(text) }, o, o.chatId ?? this.groupId);
  }
  /** A message in forum topic `threadId` (Telegram adds the topic-created message as reply_to_message). */
  topicText(text: string, threadId: number, o: IncomingOptions = {}): MessageUpdate {
    const chat = chatFor(o.chatId ?? this.groupId, this.user, true);
    const topic = { message_thread_id: threadId, is_topic_message: true };
    const created = { name: "Topic", icon_color: 7322096 };
    const root: Message = {
      message_id: threadId,
      date: now(),
      chat,
      from: this.user,
      ...topic,
      forum_topic_created: created,
    };
    const extra = { ...topic, reply_to_message: asReply(o.replyTo ?? root) };
    return this.#message({ text, ...textEntities(text), ...extra }, o, chat.id, true);
  }
  /** A message in a forum's General topic: no is_topic_message, no message_thread_id. */
  generalTopicText(text: string, o: IncomingOptions = {}): MessageUpdate {
    return this.#message({ text, ...textEntities(text) }, o, o.chatId ?? this.groupId, true);
  }
  edited(message: NonChannelMessage, text: string): Update {
    return this.enqueue({
      edited_message: { ...message, text, entities: undefined, ...textEntities(text), edit_date: now() },
    });
  }
  callbackQuery(data: string, o: { message?: Message; from?: User } = {}): Update {
    const message = o.message ?? this.lastSent();
    const id = String(this.#nextUpdate);
    const from = o.from ?? this.user;
    return this.enqueue({ callback_query: { id, from, chat_instance: "fake", data, ...(message ? { message } : {}) } });
  }
  /** my_chat_member in the user's private chat; `kicked` means the user blocked the bot. */
  myChatMember(status: "kicked" | "member", from: User = this.user): Update {
    const chat = chatFor(from.id, from);
    const member = { status: "member" as const, user: this.bot };
    const kicked = { status: "kicked" as const, user: this.bot, until_date: 0 };
    const [old_chat_member, new_chat_member] = status === "kicked" ? [member, kicked] : [kicked, member];
    return this.enqueue({ my_chat_member: { chat, from, date: now(), old_chat_member, new_chat_member } });
  }
  photo(o: FileOptions = {}): MessageUpdate {
    const big = declared(this.addFile(o.bytes, "photos/file.jpg", o.fileSize), o);
    const small = this.addFile(Buffer.from("thumb"), "photos/thumb.jpg");
    const size = (f: typeof big, w: number) => ({ ...f, width: w, height: (w * 3) / 4 });
    return this.#message({ photo: [size(small, 90), size(big, 1280)] }, o, o.chatId ?? this.user.id);
  }
  document(o: FileOptions = {}): MessageUpdate {
    const name = o.fileName ?? "notes.txt";
    const file = declared(this.addFile(o.bytes, `documents/${name}`, o.fileSize), o);
    const document = { ...file, file_name: name, mime_type: o.mimeType ?? "text/plain" };
    return this.#message({ document }, o, o.chatId ?? this.user.id);
  }
  voice(o: FileOptions = {}): MessageUpdate {
    const file = declared(this.addFile(o.bytes ?? Buffer.from("OggS"), "voice/file.oga", o.fileSize), o);
    return this.#message({ voice: { ...file, duration: 3, mime_type: "audio/ogg" } }, o, o.chatId ?? this.user.id);
  }
  /** Several photo/document messages sharing one media_group_id; the caption goes on the first. */
  album(kinds: ("photo" | "document")[], o: FileOptions = {}): MessageUpdate[] {
    const mediaGroupId = `album-${this.#nextMessage}`;
    return kinds.map((kind, i) => {
      const options = { ...o, mediaGroupId, caption: i === 0 ? o.caption : undefined };
      return kind === "photo" ? this.photo(options) : this.document(options);
    });
  }
  /** Register a downloadable file (served by getFile and /file/bot<token>/<path>). */
  addFile(bytes: Buffer = Buffer.from("fake file content"), path = "documents/file.bin", fileSize?: number) {
    const n = this.#nextFile++;
    const file_path = path.replace(/([^/]+)$/, `${n}_$1`);
    const size = fileSize ?? bytes.length;
    this.#files.set(`file-${n}`, { path: file_path, size, bytes });
    return { file_id: `file-${n}`, file_unique_id: `uniq-${n}`, file_size: size };
  }

  #message(content: Partial<Message>, o: IncomingOptions, chatId: number, forum = false): MessageUpdate {
    const from = o.from ?? this.user;
    const message: NonChannelMessage = {
      ...content,
      message_id: this.#nextMessage++,
      date: now(),
      chat: chatFor(chatId, from, forum),
      from,
      ...(o.replyTo && !content.reply_to_message ? { reply_to_message: asReply(o.replyTo) } : {}),
      ...(o.mediaGroupId ? { media_group_id: o.mediaGroupId } : {}),
      ...(o.caption ? { caption: o.caption, caption_entities: entitiesOf(o.caption) } : {}),
    };
    this.messages.set(`${chatId}:${message.message_id}`, message);
    return this.enqueue({ message });
  }

  // ---- the HTTP side ----------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now(); // when the request arrived, not when its body was read
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) {
      const found = [...this.#files.values()].find((f) => f.path === decodeURIComponent(file[2] ?? ""));
      if (file[1] !== this.token || !found) return send(res, err(404, "Not Found"));
      if (this.serveFile) return this.serveFile(found.path, res);
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(found.bytes);
      return;
    }
    const api = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(url.pathname);
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    Object.assign(params, await readBody(req));
    const method = api?.[2] ?? url.pathname;
    this.calls.push({ method, params, at });
    if (!api) return send(res, err(404, "Not Found"));
    if (api[1] !== this.token) return send(res, telegramErrors.unauthorized());
    const queue = this.#failures.get(method);
    const next = queue?.[0];
    if (queue && next) {
      if (--next.times <= 0) queue.shift();
      if (next.failure === "disconnect") return void res.destroy();
      return send(res, next.failure);
    }
    const outcome = await this.#answer(method, params, res);
    if (!res.destroyed) send(res, outcome);
  }

  async #answer(method: string, p: Record<string, unknown>, res: ServerResponse): Promise<TelegramApiError | Ok> {
    const chatId = num(p.chat_id);
    const key = `${chatId}:${num(p.message_id)}`;
    const scope = `${JSON.stringify(parsed(p.scope) ?? { type: "default" })}|${p.language_code ?? ""}`;
    switch (method) {
      case "getMe":
        return ok({ ...this.bot, can_join_groups: true, can_read_all_group_messages: false });
      case "getUpdates":
        return this.#poll(p, res);
      case "setWebhook":
        this.webhook = { url: String(p.url), ...(p.secret_token ? { secret_token: String(p.secret_token) } : {}) };
        return ok(true);
      case "deleteWebhook":
        this.webhook = undefined;
        if (parsed(p.drop_pending_updates) === true || p.drop_pending_updates === "true") this.pending.length = 0;
        return ok(true);
      case "getWebhookInfo":
        return ok({ url: this.webhook?.url ?? "", pending_update_count: this.pending.length });
      case "setMyCommands":
        this.commands.set(scope, parsed(p.commands) as BotCommand[]);
        return ok(true);
      case "getMyCommands":
        return ok(this.commands.get(scope) ?? []);
      case "sendMessage": {
        const text = String(p.text ?? "");
        if (!text.trim()) return telegramErrors.badRequest("message text is empty");
        if (visibleLength(text, p.parse_mode) > 4096) return telegramErrors.badRequest("message is too long");
        return this.#send(p, { text });
      }
      case "editMessageText": {
        const message = this.messages.get(key);
        if (!message) return telegramErrors.badRequest("message to edit not found");
        if (message.text === p.text) {
          return telegramErrors.badRequest(`message is not modified: ${SAME}`);
        }
        const edited = { ...message, text: String(p.text), edit_date: now() };
        this.messages.set(key, edited);
        return ok(edited);
      }
      case "deleteMessage":
        return this.messages.delete(key) ? ok(true) : telegramErrors.badRequest("message to delete not found");
      case "sendMessageDraft":
        if (this.drafts !== "supported") return this.drafts;
        return num(p.draft_id) ? ok(true) : telegramErrors.badRequest("draft_id must be non-zero");
      case "sendChatAction":
      case "answerCallbackQuery":
        return ok(true);
      case "getFile": {
        const file = this.#files.get(String(p.file_id));
        if (!file) return telegramErrors.badRequest("invalid file_id");
        if (file.size > MB20) return telegramErrors.badRequest("file is too big");
        return ok({
          file_id: p.file_id,
          file_unique_id: String(p.file_id).replace("file", "uniq"),
          file_size: file.size,
          file_path: file.path,
        });
      }
      case "sendDocument":
      case "sendPhoto": {
        if (String(p.caption ?? "").length > 1024) return telegramErrors.badRequest("message caption is too long");
        const file = this.addFile(Buffer.from("uploaded"), method === "sendPhoto" ? "photos/up.jpg" : "documents/up");
        const media = method === "sendPhoto" ? { photo: [{ ...file, width: 1280, height: 960 }] } : { document: file };
        return this.#send(p, { ...media, ...(p.caption ? { caption: String(p.caption) } : {}) });
      }
      default:
        return telegramErrors.methodNotFound();
    }
  }

  #send(p: Record<string, unknown>, content: Partial<Message>): TelegramApiError | Ok {
    const chatId = num(p.chat_id);
    if (chatId === undefined) return telegramErrors.badRequest("chat_id is empty");
    const reply = parsed(p.reply_parameters) as { message_id?: number; allow_sending_without_reply?: boolean } | null;
    const replied = reply?.message_id === undefined ? undefined : this.messages.get(`${chatId}:${reply.message_id}`);
    if (reply?.message_id !== undefined && !replied && !reply.allow_sending_without_reply) {
      return telegramErrors.badRequest("message to be replied not found");
    }
    const thread = num(p.message_thread_id);
    const message: Message = {
      ...content,
      message_id: this.#nextMessage++,
      date: now(),
      chat: chatFor(chatId, this.user, thread !== undefined),
      from: this.bot,
      ...(thread !== undefined ? { message_thread_id: thread, is_topic_message: true } : {}),
      ...(replied ? { reply_to_message: asReply(replied) } : {}),
    };
    this.messages.set(`${chatId}:${message.message_id}`, message);
    return ok(message);
  }

  /**
   * getUpdates calls that began while another was still open: two pollers of one bot, which real
   * Telegram answers with 409 Conflict.
   */
  overlappingPolls = 0;
  #openPolls = 0;

  async #poll(p: Record<string, unknown>, res: ServerResponse): Promise<TelegramApiError | Ok> {
    if (this.#openPolls > 0) this.overlappingPolls++;
    this.#openPolls++;
    try {
      return await this.#longPoll(p, res);
    } finally {
      this.#openPolls--;
    }
  }

  async #longPoll(p: Record<string, unknown>, res: ServerResponse): Promise<TelegramApiError | Ok> {
    if (this.webhook) {
      return err(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete it");
    }
    const offset = num(p.offset) ?? 0;
    if (offset > 0) this.pending.splice(0, this.pending.length, ...this.pending.filter((u) => u.update_id >= offset));
    const deadline = Date.now() + Math.min((num(p.timeout) ?? 0) * 1000, this.maxPollMs);
    for (;;) {
      const ready = this.pending.slice(0, num(p.limit) ?? 100);
      const left = deadline - Date.now();
      if (ready.length > 0 || left <= 0 || res.destroyed || !this.#server?.listening) return ok(ready);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
        res.once("close", wake);
      });
    }
  }
}

const asReply = (m: Message) => ({ ...m, reply_to_message: undefined });
const declared = <F extends { file_size?: number }>(file: F, o: FileOptions): F =>
  o.undeclared ? { ...file, file_size: undefined } : file;
const ok = (result: unknown): Ok => ({ ok: true, result });

function send(res: ServerResponse, body: TelegramApiError | Ok): void {
  if (res.headersSent || res.destroyed) return;
  const status = "ok" in body ? 200 : body.error_code;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify("ok" in body ? body : { ok: false, ...body }));
}

/** Length after entity parsing: exact for plain text, approximate for HTML (tags dropped, entities one char). */
function visibleLength(text: string, parseMode: unknown): number {
  return parseMode === "HTML" ? text.replace(/<[^>]*>/g, "").replace(/&[#\w]+;/g, "_").length : text.length;
}

function textEntities(text: string): { entities?: MessageEntity[] } {
  const entities = entitiesOf(text);
  return entities.length > 0 ? { entities } : {};
}

function chatFor(id: number, user: User, forum = false): Exclude<Chat, Chat.ChannelChat> {
  if (id > 0)
    return { id, type: "private", first_name: user.first_name, ...(user.username ? { username: user.username } : {}) };
  if (id > -1_000_000_000_000) return { id, type: "group", title: "Fake group" };
  return forum
    ? { id, type: "supergroup", title: "Fake forum", is_forum: true }
    : { id, type: "supergroup", title: "Fake group" };
}

/** JSON, urlencoded or multipart; an uploaded file shows as `{ filename, size }` in place of its `attach://` name. */
async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers["content-type"] ?? "";
  if (raw.length === 0) return {};
  if (type.includes("application/json")) return JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
  if (!type.includes("multipart/form-data")) return Object.fromEntries(new URLSearchParams(raw.toString()));
  // grammY writes `filename=x` unquoted, which undici's FormData parser rejects: parse by hand.
  const out: Record<string, unknown> = {};
  const files: Record<string, unknown> = {};
  for (const part of raw.toString("latin1").split(`--${/boundary=([^;]+)/.exec(type)?.[1]}`)) {
    const split = part.indexOf("\r\n\r\n");
    const name = /name="([^"]*)"/.exec(part.slice(0, split))?.[1];
    if (split < 0 || name === undefined) continue;
    const body = part.slice(split + 4).replace(/\r\n$/, "");
    const filename = /filename="?([^";\r\n]*)/.exec(part.slice(0, split))?.[1];
    if (filename === undefined) out[name] = Buffer.from(body, "latin1").toString("utf8");
    else files[`attach://${name}`] = { filename, size: body.length };
  }
  for (const [key, value] of Object.entries(out))
    if (typeof value === "string" && files[value]) out[key] = files[value];
  return out;
}

/** Simulate Telegram delivering `update` to our webhook (with the secret header when given). */
export async function postWebhookUpdate(url: string, update: Update, secret?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (secret !== undefined) headers["x-telegram-bot-api-secret-token"] = secret;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(update) });
  return { status: response.status, body: await response.text() };
}
