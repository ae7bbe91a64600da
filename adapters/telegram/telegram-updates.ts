import type { CallbackQuery, Message, MessageEntity, Update } from "grammy/types";
import type { InboundMessage } from "../../src/gateway/channel.js";
import { parseCommand } from "../../src/gateway/commands/command-parser.js";
import { conversationKeyOf, messageRef } from "./telegram-keys.js";

/** Who we are, from getMe: needed to tell mentions, replies and commands meant for us. */
export interface BotIdentity {
  id: number;
  username: string;
}

/** A file a message carries, still on Telegram's servers. */
export interface FileRef {
  fileId: string;
  name: string;
  mimeType: string;
  /** As Telegram declares it; absent for some old files. */
  size: number | undefined;
  kind: "photo" | "document" | "other";
}

/** What to do with one update. */
export type UpdateAction =
  | { kind: "message"; message: InboundMessage; files: FileRef[]; mediaGroupId?: string }
  /** A button was pressed: always answer the query, or the client keeps spinning; `command` is what it runs. */
  | { kind: "callback"; callbackQueryId: string; command?: InboundMessage }
  /** The user blocked us in a private chat (`kicked`), or unblocked us. */
  | { kind: "blocked" | "unblocked"; chatId: number }
  /** A group became a supergroup: its conversation moves to the new chat id. */
  | { kind: "moved"; from: string; to: string }
  | { kind: "ignore"; reason: string };

/** Button payloads are `cmd:<command and arguments>` (at most 64 bytes). */
export const CALLBACK_PREFIX = "cmd:";

/** The updates we ask Telegram for. */
export const ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"] as const;

const MAX_QUOTE = 1000;

/** Turns a Bot API update into what the core takes (pure: the same update always maps the same way). */
export function mapUpdate(update: Update, bot: BotIdentity): UpdateAction {
  if (update.message) return mapMessage(update.update_id, update.message, bot);
  if (update.edited_message) return { kind: "ignore", reason: "an edit is not a new prompt" };
  if (update.callback_query) return mapCallback(update.update_id, update.callback_query);
  const member = update.my_chat_member;
  if (member && member.chat.type === "private") {
    const status = member.new_chat_member.status;
    return { kind: status === "kicked" ? "blocked" : "unblocked", chatId: member.chat.id };
  }
  return { kind: "ignore", reason: "not a kind of update we handle" };
}

function mapMessage(updateId: number, message: Message, bot: BotIdentity): UpdateAction {
  const from = message.from;
  if (!from) return { kind: "ignore", reason: "no sender" };
  if (from.id === bot.id) return { kind: "ignore", reason: "our own message" };
  // Two bots that answer each other never stop; a bot's words are not a person's prompt.
  if (from.is_bot) return { kind: "ignore", reason: "another bot's message" };
  const moved = movedOf(message);
  if (moved) return moved;
  const raw = message.text ?? message.caption ?? "";
  const files = filesOf(message);
  if (raw.trim() === "" && files.length === 0) return { kind: "ignore", reason: "nothing to answer" };
  const entities = message.entities ?? message.caption_entities ?? [];
  const group = message.chat.type !== "private";
  const topic = message.is_topic_message === true && message.message_thread_id !== undefined;
  // In a topic, Telegram sets reply_to_message to the topic's creation message: not a real reply.
  const reply = message.reply_to_message?.forum_topic_created ? undefined : message.reply_to_message;
  const repliesToBot = reply?.from?.id === bot.id;
  const command = commandOf(raw, entities, bot);
  if (command === "other-bot") return ignoreInGroup(group, "a command for another bot");
  const mentioned = entities.some((entity) => mentionsBot(raw, entity, bot));
  const addressed = !group || mentioned || repliesToBot || command === "ours";
  let text = stripMention(raw, entities, bot);
  if (reply && !repliesToBot) {
    const quoted = (message.quote?.text ?? reply.text ?? reply.caption ?? "").slice(0, MAX_QUOTE);
    if (quoted.trim() !== "") text = `${quoteOf(quoted)}\n\n${text}`;
  }
  const name = [from.first_name, from.last_name].filter(Boolean).join(" ") || from.username;
  const chatId = String(message.chat.id);
  return {
    kind: "message",
    files,
    ...(message.media_group_id ? { mediaGroupId: message.media_group_id } : {}),
    message: {
      channel: "telegram",
      conversationKey: conversationKeyOf({
        chatId: message.chat.id,
        ...(topic ? { threadId: message.message_thread_id } : {}),
      }),
      sender: { id: String(from.id), ...(name ? { name } : {}) },
      text,
      addressed,
      platformMessageId: messageRef(message.chat.id, message.message_id),
      ...(repliesToBot && reply ? { replyToMessageId: messageRef(message.chat.id, reply.message_id) } : {}),
      deliveryKeys: [`telegram:update:${updateId}`, `telegram:msg:${chatId}:${message.message_id}`],
      chat: { id: chatId, group },
    },
  };
}

function mapCallback(updateId: number, query: CallbackQuery): UpdateAction {
  const data = query.data ?? "";
  const message = query.message;
  const command = data.startsWith(CALLBACK_PREFIX)
    ? parseCommand(`/${data.slice(CALLBACK_PREFIX.length)}`, "/")
    : undefined;
  if (!command || !message) return { kind: "callback", callbackQueryId: query.id };
  const topic = "is_topic_message" in message && message.is_topic_message === true;
  const name = [query.from.first_name, query.from.last_name].filter(Boolean).join(" ") || query.from.username;
  return {
    kind: "callback",
    callbackQueryId: query.id,
    command: {
      channel: "telegram",
      conversationKey: conversationKeyOf({
        chatId: message.chat.id,
        ...(topic && message.message_thread_id !== undefined ? { threadId: message.message_thread_id } : {}),
      }),
      sender: { id: String(query.from.id), ...(name ? { name } : {}) },
      text: `/${data.slice(CALLBACK_PREFIX.length)}`,
      addressed: true,
      command,
      deliveryKeys: [`telegram:update:${updateId}`],
      chat: { id: String(message.chat.id), group: message.chat.type !== "private" },
    },
  };
}

/** The service message of a group's upgrade, seen in the old group or in the new supergroup. */
function movedOf(message: Message): UpdateAction | undefined {
  const [from, to] = message.migrate_to_chat_id
    ? [message.chat.id, message.migrate_to_chat_id]
    : message.migrate_from_chat_id
      ? [message.migrate_from_chat_id, message.chat.id]
      : [];
  if (from === undefined || to === undefined) return undefined;
  return { kind: "moved", from: conversationKeyOf({ chatId: from }), to: conversationKeyOf({ chatId: to }) };
}

function filesOf(message: Message): FileRef[] {
  const id = message.message_id;
  const files: FileRef[] = [];
  const photo = message.photo?.at(-1);
  if (photo) files.push(fileRef(photo, `photo-${id}.jpg`, "image/jpeg", "photo"));
  const document = message.document;
  if (document) {
    const name = document.file_name ?? `document-${id}`;
    files.push(fileRef(document, name, document.mime_type ?? "application/octet-stream", "document"));
  }
  const others = [
    [message.voice, `voice-${id}.ogg`],
    [message.audio, message.audio?.file_name ?? `audio-${id}`],
    [message.video, message.video?.file_name ?? `video-${id}.mp4`],
    [message.video_note, `video-note-${id}.mp4`],
    [message.sticker, `sticker-${id}`],
    [message.animation, message.animation?.file_name ?? `animation-${id}.mp4`],
  ] as const;
  for (const [file, name] of others) {
    if (file) files.push(fileRef(file, name, "mime_type" in file ? (file.mime_type ?? "") : "", "other"));
  }
  // An animation also fills `document`; keep one entry.
  return message.animation ? files.filter((file) => file.kind !== "document") : files;
}

function fileRef(
  file: { file_id: string; file_size?: number },
  name: string,
  mimeType: string,
  kind: FileRef["kind"],
): FileRef {
  return { fileId: file.file_id, name, mimeType: mimeType || "application/octet-stream", size: file.file_size, kind };
}

function ignoreInGroup(group: boolean, reason: string): UpdateAction {
  return group ? { kind: "ignore", reason } : { kind: "ignore", reason: `${reason} (in a private chat)` };
}

/** `/cmd` or `/cmd@ourbot` at the start → ours; `/cmd@OtherBot` → another bot's. */
function commandOf(text: string, entities: MessageEntity[], bot: BotIdentity): "ours" | "other-bot" | undefined {
  const entity = entities.find((e) => e.type === "bot_command" && e.offset === 0);
  if (!entity) return undefined;
  const target = text.slice(0, entity.length).split("@")[1];
  if (target === undefined || sameUsername(target, bot.username)) return "ours";
  return "other-bot";
}

function mentionsBot(text: string, entity: MessageEntity, bot: BotIdentity): boolean {
  if (entity.type === "text_mention") return entity.user.id === bot.id;
  if (entity.type !== "mention") return false;
  return sameUsername(text.slice(entity.offset + 1, entity.offset + entity.length), bot.username);
}

function sameUsername(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Removes our @mention and the `@ourbot` of `/cmd@ourbot`, so the model reads what was said and the
 * core's command parser sees `/cmd args`. Entity offsets are UTF-16 units, as JavaScript string indexes.
 */
function stripMention(text: string, entities: MessageEntity[], bot: BotIdentity): string {
  const cuts: [number, number][] = [];
  for (const entity of entities) {
    if (entity.type === "mention" && mentionsBot(text, entity, bot))
      cuts.push([entity.offset, entity.offset + entity.length]);
    if (entity.type === "bot_command" && entity.offset === 0) {
      const at = text.slice(0, entity.length).indexOf("@");
      if (at > 0) cuts.push([at, entity.length]);
    }
  }
  if (cuts.length === 0) return text;
  let out = text;
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + out.slice(end);
  const tidy = out
    .replace(/[ \t]{2,}/g, " ")
    .replace(/^[\s,:]+/, "")
    .trim();
  return tidy === "" ? text.trim() : tidy;
}

function quoteOf(text: string): string {
  return text
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
}
